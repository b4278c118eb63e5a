"""PyTorch reference of MDUIT's loss terms (paper 004, Eq. 2-6), written from the paper's
equations, in float64, for test/losses/mduit.test.ts.

Usage: /usr/bin/python3 test/reference/mduit_losses_torch.py spec.json dir
spec.json: {"terms": [{"name", "kind", "inputs": [[input name, shape, requires_grad], ...], "args": {...}}, ...]}
dir holds raw little-endian float32 files <term>_<input>.f32 (tfjs layouts: NHWC maps, per-sample
HWIO filters, [B, K] and [B, N, K] vectors; the losses below never depend on the layout except
through flattening, which is the same in both).
Writes <term>_value.f32 and <term>_grad_<input>.f32 for every input with requires_grad.

Kinds (the discriminators' logits are per patch; log D = log sigmoid(logit)):
  image_adv_d       -[log D_i(I_s) + log D_i(I_t) + log(1 - D_i(I_s->t))], each a mean   (Eq. 2)
  appearance_adv_d  -[log D_a(I_t, I_t+) + log(1 - D_a(I_t, I_s->t))]                    (Eq. 2)
  adv_g             -log D(I_s->t) (the generator's non-saturating side of Eq. 2)
  l1                mean |a - b|                                                           (Eq. 3)
  content_con       mean_b max(0, mse_b(f_s, f_s->t) - mse_b(f_s, f_s-) + m_c)             (Eq. 4)
  appearance_con    mean_b max(0, 1 - cos(W_t, W_s->t) + cos(W_t, W_t-))                   (Eq. 4)
  nce               -log softmax([z_s.z_s->t, z_s.z_i^-] / tau)[0], mean over b; negatives constant (Eq. 5)
  objective         Eq. 6 on seven scalar terms with the weights {1, 1, 100, 100, 10, 1, 1}
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F


def bce(logits: torch.Tensor, target: float) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target))


def term(kind: str, x: dict, args: dict) -> torch.Tensor:
    if kind == "image_adv_d":
        return bce(x["real_s"], 1.0) + bce(x["real_t"], 1.0) + bce(x["fake"], 0.0)
    if kind == "appearance_adv_d":
        return bce(x["same"], 1.0) + bce(x["fake"], 0.0)
    if kind == "adv_g":
        return bce(x["fake"], 1.0)
    if kind == "l1":
        return F.l1_loss(x["a"], x["b"])
    if kind == "content_con":
        dims = tuple(range(1, x["fs"].dim()))
        d_pos = ((x["fs"] - x["fst"]) ** 2).mean(dim=dims)
        d_neg = ((x["fs"] - x["fsn"]) ** 2).mean(dim=dims)
        return torch.clamp(d_pos - d_neg + args["margin"], min=0).mean()
    if kind == "appearance_con":
        n = x["wt"].shape[0]
        c_pos = F.cosine_similarity(x["wt"].reshape(n, -1), x["wst"].reshape(n, -1), dim=1)
        c_neg = F.cosine_similarity(x["wt"].reshape(n, -1), x["wtn"].reshape(n, -1), dim=1)
        return torch.clamp(1 - c_pos + c_neg, min=0).mean()
    if kind == "nce":
        q = F.normalize(x["zs"], dim=1)
        k = F.normalize(x["zst"], dim=1)
        neg = x["neg"].detach()
        l_pos = (q * k).sum(dim=1, keepdim=True)
        l_neg = torch.einsum("bd,bnd->bn", q, neg)
        logits = torch.cat([l_pos, l_neg], dim=1) / args["tau"]
        return F.cross_entropy(logits, torch.zeros(q.shape[0], dtype=torch.long))
    if kind == "objective":
        w = [1, 1, 100, 100, 10, 1, 1]
        return sum(wi * x[f"t{i}"].sum() for i, wi in enumerate(w))
    raise ValueError(kind)


def main() -> None:
    spec = json.load(open(sys.argv[1]))
    d = sys.argv[2]
    rd = lambda f, shape: np.fromfile(os.path.join(d, f), dtype="<f4").reshape(shape).astype(np.float64)
    wr = lambda f, a: np.asarray(a, dtype="<f4").tofile(os.path.join(d, f))
    torch.set_num_threads(1)
    for t in spec["terms"]:
        xs = {}
        for name, shape, grad in t["inputs"]:
            xs[name] = torch.from_numpy(rd(f"{t['name']}_{name}.f32", shape)).requires_grad_(bool(grad))
        v = term(t["kind"], xs, t.get("args", {}))
        v.backward()
        wr(f"{t['name']}_value.f32", [v.item()])
        for name, shape, grad in t["inputs"]:
            if grad:
                wr(f"{t['name']}_grad_{name}.f32", xs[name].grad.numpy())


if __name__ == "__main__":
    main()
