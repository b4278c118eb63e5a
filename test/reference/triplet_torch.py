"""PyTorch reference of the triplet losses in `lib/losses/triplet.ts`, written from the papers
for this project, in float64, deliberately formulated differently from the TypeScript side
(explicit pairwise differences instead of the Gram-matrix identity, index lists of triplets,
the literal log(1 + gamma * exp(.)) of the thesis).

  CVFT (002) Eq. 6, exhaustive mini-batch (Sec. 5): mean over the 2B(B-1) triplets of
      log(1 + exp(gamma * (d_pos - d_neg)))                 ("cvft")
  Thesis (003) Eq. 3.3 summed as Eq. 3.4: sum over the same triplets of
      log(1 + gamma * exp(d_pos - d_neg))                    ("thesis", as printed)
    and its other readings (lib/papers/thesis/readings.ts): the mean over the 2B(B-1) triplets
    ("thesis_mean"), gamma on the gap log(1 + exp(gamma * (d_pos - d_neg))) as CVM-Net
    ("thesis_gap", summed) and both ("thesis_mean_gap", the thesis presets' reading)
  GeoCapsNet (001) Eq. 2, Soft-TriHard: mean over the B ground anchors of
      log(1 + exp(alpha * (d_ap - min_{n != a} d_an)))       ("trihard")
  GeoCapsNet (001) Table 3 "Triplet", Eq. 2 without the mining: mean over the B ground
  anchors of the mean over their B-1 negatives of
      log(1 + exp(alpha * (d_ap - d_an)))                    ("trinone")

Descriptors are L2-normalised first (rows / max(norm, 1e-12)), as the TypeScript losses do.

Usage: /usr/bin/python3 test/reference/triplet_torch.py SPEC.json OUT.json
SPEC: {"cases": [{"loss": "cvft"|"thesis"|"thesis_mean"|"thesis_gap"|"thesis_mean_gap"|"trihard"|"trinone", "param": float, "b": int, "d": int,
                  "g": "file.f32", "s": "file.f32"}]}   (file names relative to SPEC's folder,
raw little-endian float32, row-major [b, d])
OUT:  {"torch": version, "results": [{"value": float, "grad_g": [...], "grad_s": [...]}]}
"""
import json
import math
import os
import sys

import numpy as np
import torch


def normalise(x: torch.Tensor) -> torch.Tensor:
    return x / x.norm(dim=1, keepdim=True).clamp_min(1e-12)


def distances(g: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    """dist[i, j] = ||g_i - s_j||_2 from the explicit differences."""
    return (g[:, None, :] - s[None, :, :]).pow(2).sum(dim=2).sqrt()


def log1p_exp(x: torch.Tensor) -> torch.Tensor:
    """log(1 + e^x) without overflow."""
    return torch.logaddexp(torch.zeros_like(x), x)


def triplet_index(b: int):
    """All (anchor i, negative j) with j != i, as two index lists."""
    pairs = [(i, j) for i in range(b) for j in range(b) if j != i]
    ai = torch.tensor([p[0] for p in pairs], dtype=torch.long)
    ni = torch.tensor([p[1] for p in pairs], dtype=torch.long)
    return ai, ni


def gaps(g: torch.Tensor, s: torch.Tensor):
    """d_pos - d_neg of every triplet: ground anchors (negatives s_j), then aerial anchors (negatives g_j)."""
    b = g.shape[0]
    dist = distances(normalise(g), normalise(s))  # dist[i, j] = ||g_i - s_j||
    ai, ni = triplet_index(b)
    pos = dist[ai, ai]
    ground_anchor = pos - dist[ai, ni]  # anchor g_i, positive s_i, negative s_j
    aerial_anchor = pos - dist[ni, ai]  # anchor s_i, positive g_i, negative g_j: ||s_i - g_j|| = dist[j, i]
    return torch.cat([ground_anchor, aerial_anchor])


def cvft(g, s, gamma):
    gp = gaps(g, s)
    if gp.numel() == 0:
        return (g.sum() + s.sum()) * 0
    return log1p_exp(gamma * gp).mean()


def thesis(g, s, gamma, mean=False, on_gap=False):
    gp = gaps(g, s)
    if gp.numel() == 0:
        return (g.sum() + s.sum()) * 0
    terms = log1p_exp(gamma * gp) if on_gap else torch.log1p(gamma * torch.exp(gp))
    return terms.mean() if mean else terms.sum()


def trihard(g, s, alpha):
    b = g.shape[0]
    if b < 2:
        return (g.sum() + s.sum()) * 0
    dist = distances(normalise(g), normalise(s))
    terms = []
    for a in range(b):
        negatives = torch.cat([dist[a, :a], dist[a, a + 1:]])
        terms.append(log1p_exp(alpha * (dist[a, a] - negatives.min())))
    return torch.stack(terms).mean()


def trinone(g, s, alpha):
    b = g.shape[0]
    if b < 2:
        return (g.sum() + s.sum()) * 0
    dist = distances(normalise(g), normalise(s))
    per_anchor = []
    for a in range(b):
        negatives = torch.cat([dist[a, :a], dist[a, a + 1:]])
        per_anchor.append(log1p_exp(alpha * (dist[a, a] - negatives)).mean())
    return torch.stack(per_anchor).mean()


LOSSES = {
    "cvft": cvft,
    "thesis": thesis,
    "thesis_mean": lambda g, s, gamma: thesis(g, s, gamma, mean=True),
    "thesis_gap": lambda g, s, gamma: thesis(g, s, gamma, on_gap=True),
    "thesis_mean_gap": lambda g, s, gamma: thesis(g, s, gamma, mean=True, on_gap=True),
    "trihard": trihard,
    "trinone": trinone,
}


def main() -> None:
    spec_path, out_path = sys.argv[1], sys.argv[2]
    root = os.path.dirname(os.path.abspath(spec_path))
    with open(spec_path) as f:
        spec = json.load(f)
    results = []
    for c in spec["cases"]:
        b, d = c["b"], c["d"]
        load = lambda name: torch.from_numpy(np.fromfile(os.path.join(root, name), dtype="<f4").reshape(b, d).astype(np.float64))
        g = load(c["g"]).requires_grad_(True)
        s = load(c["s"]).requires_grad_(True)
        value = LOSSES[c["loss"]](g, s, float(c["param"]))
        value.backward()
        v = float(value.item())
        if not math.isfinite(v):
            raise SystemExit(f"non-finite reference value for case {c}")
        results.append({"value": v, "grad_g": g.grad.reshape(-1).tolist(), "grad_s": s.grad.reshape(-1).tolist()})
    with open(out_path, "w") as f:
        json.dump({"torch": torch.__version__, "results": results}, f)


if __name__ == "__main__":
    main()
