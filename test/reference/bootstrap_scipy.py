"""SciPy reference for the one-level case of `lib/eval/paired_bootstrap.ts` (K = 1 replicate:
only the queries are resampled): scipy.stats.bootstrap on the single array of paired
differences, statistic the mean, method='percentile', 95%.

Usage: /usr/bin/python3 test/reference/bootstrap_scipy.py SPEC.json DIR
SPEC: {"cases": [{"file": "d0.f64", "n": int}, ...], "n_resamples": int, "seed": int}
      (files in DIR: raw little-endian float64 differences)
Writes DIR/out.json: {"scipy": version, "intervals": [[low, high], ...], "se": [float, ...]}
"""
import json
import os
import sys

import numpy as np
import scipy
from scipy import stats


def main() -> None:
    spec_path, root = sys.argv[1], sys.argv[2]
    with open(spec_path) as f:
        spec = json.load(f)
    intervals, ses = [], []
    for i, case in enumerate(spec["cases"]):
        d = np.fromfile(os.path.join(root, case["file"]), dtype="<f8")
        assert d.shape == (case["n"],)
        res = stats.bootstrap(
            (d,),
            np.mean,
            vectorized=True,
            n_resamples=spec["n_resamples"],
            confidence_level=0.95,
            method="percentile",
            random_state=np.random.default_rng(spec["seed"] + i),
        )
        intervals.append([float(res.confidence_interval.low), float(res.confidence_interval.high)])
        ses.append(float(res.standard_error))
    with open(os.path.join(root, "out.json"), "w") as f:
        json.dump({"scipy": scipy.__version__, "intervals": intervals, "se": ses}, f)


if __name__ == "__main__":
    main()
