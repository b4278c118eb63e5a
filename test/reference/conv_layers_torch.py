"""PyTorch reference of the small layers MDUIT and NetVLAD are built from, for
test/models/mduit.test.ts and test/models/netvlad.test.ts, in float64:

  instance_norm   F.instance_norm(x) (no affine, eps 1e-5); scalar sum(out * R)
  gem             GeM pooling (Radenovic et al.): mean(clamp(x, eps)^p)^(1/p) over H, W, p a tensor; sum(out * R)
  upsample        nn.Upsample(scale_factor=2, mode='nearest'); sum(out * R)
  netvlad         the NetVLAD layer on L2-normalised local descriptors x [B, H, W, D]: soft assignment
                  softmax(x w + b) over K, V = sum_i a_ik (x_i - c_k), intra-normalisation, flatten,
                  L2; sum(out * R); gradients w.r.t. x, w, b and the centroids
  triplet         NetVLAD's ranking loss: mean_b sum_j relu(|q-p|^2 + m - |q-n_j|^2)

Usage: /usr/bin/python3 test/reference/conv_layers_torch.py spec.json dir
spec.json: {"cases": [{"name", "kind", "inputs": [[name, shape, requires_grad], ...], "args": {...}}]}
dir: <case>_<input>.f32 (NHWC; netvlad's w [D, K], c [K, D]); writes <case>_value.f32, <case>_grad_<input>.f32.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F


def run(kind: str, x: dict, args: dict) -> torch.Tensor:
    nchw = lambda t: t.permute(0, 3, 1, 2)
    nhwc = lambda t: t.permute(0, 2, 3, 1)
    if kind == "instance_norm":
        return (nhwc(F.instance_norm(nchw(x["x"]), eps=1e-5)) * x["r"]).sum()
    if kind == "gem":
        p = x["p"]
        g = nchw(x["x"]).clamp(min=args["eps"]).pow(p).mean(dim=(2, 3)).pow(1.0 / p)
        return (g * x["r"]).sum()
    if kind == "upsample":
        return (nhwc(F.interpolate(nchw(x["x"]), scale_factor=2, mode="nearest")) * x["r"]).sum()
    if kind == "netvlad":
        b, h, w, d = x["x"].shape
        xs = x["x"].reshape(b, h * w, d)
        a = torch.softmax(xs @ x["w"] + x["b"], dim=-1)  # [B, N, K]
        v = torch.einsum("bnk,bnd->bkd", a, xs) - a.sum(1).unsqueeze(-1) * x["c"].unsqueeze(0)
        v = F.normalize(v, dim=2)
        v = F.normalize(v.reshape(b, -1), dim=1)
        return (v * x["r"]).sum()
    if kind == "triplet":
        q, p, n = x["q"], x["p"], x["n"]
        d_pos = ((q - p) ** 2).sum(1, keepdim=True)
        d_neg = ((q.unsqueeze(1) - n) ** 2).sum(2)
        return torch.relu(d_pos + args["margin"] - d_neg).sum(1).mean()
    raise ValueError(kind)


def main() -> None:
    spec = json.load(open(sys.argv[1]))
    d = sys.argv[2]
    rd = lambda f, shape: np.fromfile(os.path.join(d, f), dtype="<f4").reshape(shape).astype(np.float64)
    wr = lambda f, a: np.asarray(a, dtype="<f4").tofile(os.path.join(d, f))
    torch.set_num_threads(1)
    for c in spec["cases"]:
        xs = {name: torch.from_numpy(rd(f"{c['name']}_{name}.f32", shape)).requires_grad_(bool(g)) for name, shape, g in c["inputs"]}
        v = run(c["kind"], xs, c.get("args", {}))
        v.backward()
        wr(f"{c['name']}_value.f32", [v.item()])
        for name, shape, g in c["inputs"]:
            if g:
                wr(f"{c['name']}_grad_{name}.f32", xs[name].grad.numpy())


if __name__ == "__main__":
    main()
