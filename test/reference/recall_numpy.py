"""NumPy reference of the recall benchmark (lib/bench/recall.ts): brute-force cosine recall@K of
one-to-one retrieval, the whole similarity matrix at once, ties counted against the query as in
lib/eval/recall.ts. Times the normalisation, the matrix product and the ranking (not the file read).

Usage: /usr/bin/python3 test/reference/recall_numpy.py QUERY.f32 GALLERY.f32 N D
(raw little-endian float32, row-major [N, D]). Prints one JSON line:
{"numpy": version, "seconds": s, "recall": {"1": r1, "5": r5, "10": r10, "1%": r1pct}, "ranks_sha": ...}
"""
import hashlib
import json
import sys
import time

import numpy as np


def main():
    qf, gf, n, d = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    q = np.fromfile(qf, dtype="<f4").reshape(n, d)
    g = np.fromfile(gf, dtype="<f4").reshape(n, d)
    t0 = time.perf_counter()
    gn = g / np.linalg.norm(g, axis=1, keepdims=True)
    sim = q @ gn.T
    true = sim[np.arange(n), np.arange(n)]
    ranks = (sim >= true[:, None]).sum(axis=1) - 1
    seconds = time.perf_counter() - t0
    one_pct = n // 100 + 1
    rec = {str(k): float((ranks < k).mean()) for k in (1, 5, 10)}
    rec["1%"] = float((ranks < one_pct).mean())
    print(json.dumps({"numpy": np.__version__, "seconds": seconds, "recall": rec,
                      "ranks_sha": hashlib.sha1(ranks.astype("<i4").tobytes()).hexdigest()}))


if __name__ == "__main__":
    main()
