"""Reference of the thesis (003) uniformity metric (Eqs. 3.5-3.8, as the mean over pairs i != j,
see lib/eval/uniformity.ts) and uniformity loss (Eq. 3.9, a sum over pairs i != j, rows
L2-normalised first), written here in float64 from explicit pairwise differences (no Gram-matrix
identity, no log-sum-exp shift), the loss gradient by torch autograd in float64.

Usage: /usr/bin/python3 test/reference/uniformity_numpy.py SPEC.json DIR
SPEC: {"cases": [{"kind": "metric"|"loss", "t": float, "ng": int, "ns": int, "d": int,
                  "g": "file.f32", "s": "file.f32", "normalize": bool}]}
(raw little-endian float32 row-major files in DIR). Writes DIR/out.json:
{"results": [{"ground", "satellite", "all"} | {"value"}]} and, for loss case k,
DIR/grad_g_k.f32 and DIR/grad_s_k.f32.
"""
import json
import os
import sys

import numpy as np


def load(d, name, n, dim):
    return np.fromfile(os.path.join(d, name), dtype="<f4").astype(np.float64).reshape(n, dim)


def mean_potential_log(z, t):
    diff = z[:, None, :] - z[None, :, :]
    k = np.exp(-t * (diff ** 2).sum(axis=2))
    n = z.shape[0]
    off = ~np.eye(n, dtype=bool)
    return float(np.log(k[off].mean()))


def unit(z):
    return z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-12)


def main():
    spec_path, d = sys.argv[1], sys.argv[2]
    spec = json.load(open(spec_path))
    results = []
    for k, c in enumerate(spec["cases"]):
        g = load(d, c["g"], c["ng"], c["d"])
        s = load(d, c["s"], c["ns"], c["d"])
        t = c["t"]
        if c["kind"] == "metric":
            if c.get("normalize"):
                g, s = unit(g), unit(s)
            results.append({
                "ground": mean_potential_log(g, t),
                "satellite": mean_potential_log(s, t),
                "all": mean_potential_log(np.concatenate([g, s]), t),
            })
        else:
            import torch

            gt = torch.tensor(g, requires_grad=True)
            st = torch.tensor(s, requires_grad=True)

            def term(x):
                z = x / x.norm(dim=1, keepdim=True).clamp_min(1e-12)
                diff = z[:, None, :] - z[None, :, :]
                k_ = torch.exp(-t * (diff ** 2).sum(dim=2))
                mask = ~torch.eye(z.shape[0], dtype=torch.bool)
                return torch.log(k_[mask].sum())

            value = term(gt) + term(st)
            value.backward()
            gt.grad.numpy().astype("<f4").tofile(os.path.join(d, f"grad_g_{k}.f32"))
            st.grad.numpy().astype("<f4").tofile(os.path.join(d, f"grad_s_{k}.f32"))
            results.append({"value": float(value)})
    json.dump({"results": results}, open(os.path.join(d, "out.json"), "w"))


if __name__ == "__main__":
    main()
