"""SciPy reference for `lib/eval/vmf_kde.ts` (thesis 003, Sec. 3.3: vMF KDE on the angles of the
t-SNE points projected onto S^1, Figs. 4.3/4.4 column 3).

The KDE is computed as the mean of scipy.stats.vonmises densities, one per sample angle, each
evaluated at the grid angle's difference to the sample wrapped into [-pi, pi) (scipy's vonmises
is supported on [-pi, pi] around loc) -- a different formulation from the TypeScript side's
scaled-exponential sum. Also scipy.special.i0e at the given points.

Usage: /usr/bin/python3 test/reference/vmf_kde_scipy.py SPEC.json DIR
SPEC: {"n": int, "angles": "angles.f64", "m": int, "grid": "grid.f64", "kappas": [float, ...],
       "i0e_x": [float, ...]}   (files in DIR, raw little-endian float64)
Writes DIR/out.json: {"scipy": version, "i0e": [float, ...],
                      "density": [[float] * m for each kappa]}
"""
import json
import os
import sys

import numpy as np
import scipy
from scipy import special, stats


def main() -> None:
    spec_path, root = sys.argv[1], sys.argv[2]
    with open(spec_path) as f:
        spec = json.load(f)
    angles = np.fromfile(os.path.join(root, spec["angles"]), dtype="<f8")
    grid = np.fromfile(os.path.join(root, spec["grid"]), dtype="<f8")
    assert angles.shape == (spec["n"],) and grid.shape == (spec["m"],)
    diff = np.mod(grid[:, None] - angles[None, :] + np.pi, 2 * np.pi) - np.pi
    densities = [stats.vonmises.pdf(diff, kappa).mean(axis=1).tolist() for kappa in spec["kappas"]]
    out = {
        "scipy": scipy.__version__,
        "i0e": [float(special.i0e(x)) for x in spec["i0e_x"]],
        "density": densities,
    }
    with open(os.path.join(root, "out.json"), "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
