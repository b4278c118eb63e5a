"""scikit-learn reference for `lib/eval/tsne.ts` and `lib/eval/trustworthiness.ts` (thesis 003,
Sec. 3.3: t-SNE of the descriptors to 2-D, Figs. 4.3/4.4 column 1).

Runs sklearn.manifold.TSNE with the defaults our implementation follows (n_components=2,
perplexity, early_exaggeration=12, learning_rate='auto', n_iter=1000, init='pca',
method='barnes_hut', angle=0.5, fixed random_state) on the same data the test embedded, and
scores sklearn's embedding and each of ours with sklearn.manifold.trustworthiness.

Usage: /usr/bin/python3 test/reference/tsne_sklearn.py SPEC.json DIR
SPEC: {"n": int, "dim": int, "x": "x.f32", "perplexity": float, "random_state": int,
       "k": [int, ...], "ours": {"label": "file.f32", ...}}   (files in DIR, raw little-endian
       float32, row-major: x [n, dim], each embedding [n, 2])
Writes DIR/y_sklearn.f32 (sklearn's embedding, float32 [n, 2]) and DIR/out.json:
  {"sklearn": version, "kl_sklearn": float, "n_iter_sklearn": int, "seconds_sklearn": float,
   "trust": {"sklearn": {"5": float, ...}, "<label>": {"5": float, ...}, ...}}
"""
import json
import os
import sys
import time

# one OpenMP thread: sklearn's Barnes-Hut threads spin-wait, and on a shared or busy machine that
# makes a 2 s fit take a minute; our TypeScript side runs on one core as well
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.manifold import TSNE, trustworthiness  # noqa: E402


def main() -> None:
    spec_path, root = sys.argv[1], sys.argv[2]
    with open(spec_path) as f:
        spec = json.load(f)
    n, dim = spec["n"], spec["dim"]
    load = lambda name, d: np.fromfile(os.path.join(root, name), dtype="<f4").reshape(n, d)
    x = load(spec["x"], dim)
    t0 = time.time()
    model = TSNE(
        n_components=2,
        perplexity=float(spec["perplexity"]),
        early_exaggeration=12.0,
        learning_rate="auto",
        n_iter=1000,
        init="pca",
        method="barnes_hut",
        angle=0.5,
        random_state=int(spec["random_state"]),
    )
    y_sk = model.fit_transform(x).astype("<f4")
    seconds = time.time() - t0
    y_sk.tofile(os.path.join(root, "y_sklearn.f32"))
    embeddings = {"sklearn": y_sk}
    for label, name in spec["ours"].items():
        embeddings[label] = load(name, 2)
    trust = {
        label: {str(k): float(trustworthiness(x, y, n_neighbors=int(k))) for k in spec["k"]}
        for label, y in embeddings.items()
    }
    out = {
        "sklearn": sklearn.__version__,
        "kl_sklearn": float(model.kl_divergence_),
        "n_iter_sklearn": int(model.n_iter_),
        "seconds_sklearn": seconds,
        "trust": trust,
    }
    with open(os.path.join(root, "out.json"), "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
