"""Writes a small CVACT-style ACT_data.mat (MAT v5) with scipy.io.savemat, for the reader tests.

usage: write_cvact_mat.py OUT.mat SPEC.json [OUT2.mat SPEC2.json ...]   (one python start for many)

SPEC: {"panoIds": [str], "utm": [[easting, northing]], "trainInd": [int], "valInd": [int],
       "testInd": [int] (optional), "omit": ["valSet", ...] (optional: variables left out)}
The layout follows the official file: panoIds an N x 1 cell of strings, utm N x 2 double,
trainSet/valSet/testSet 1x1 structs holding a column of 1-based double indices.
"""
import json
import sys

import numpy as np
import scipy.io as sio


def write(out: str, spec_path: str) -> None:
    with open(spec_path, encoding="utf8") as f:
        spec = json.load(f)
    ids = np.empty((len(spec["panoIds"]), 1), dtype=object)
    for i, s in enumerate(spec["panoIds"]):
        ids[i, 0] = s
    data = {
        "panoIds": ids,
        "utm": np.asarray(spec["utm"], dtype=np.float64).reshape(-1, 2),
        "trainSet": {"trainInd": np.asarray(spec["trainInd"], dtype=np.float64).reshape(-1, 1)},
        "valSet": {"valInd": np.asarray(spec["valInd"], dtype=np.float64).reshape(-1, 1)},
    }
    if "testInd" in spec:
        data["testSet"] = {"testInd": np.asarray(spec["testInd"], dtype=np.float64).reshape(-1, 1)}
    for name in spec.get("omit", []):
        data.pop(name, None)
    sio.savemat(out, data, format="5", do_compression=True)


def main() -> None:
    args = sys.argv[1:]
    if not args or len(args) % 2:
        sys.exit("usage: write_cvact_mat.py OUT.mat SPEC.json [OUT2.mat SPEC2.json ...]")
    for i in range(0, len(args), 2):
        write(args[i], args[i + 1])


if __name__ == "__main__":
    main()
