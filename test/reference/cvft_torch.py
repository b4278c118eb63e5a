"""PyTorch reference for test/models/cvft.test.ts: CVFT's Sinkhorn (paper 002, Eq. 1-3), its
feature transport head (cost generation, Sinkhorn, Eq. 5), the affine spatial transformer of
appendix B and the reduction of conv5_3 to the 8x8 map (1x1 conv, ReLU, area resize = torch's
adaptive_avg_pool2d), with values and gradients.

Written for this project from the paper (not from any other implementation), in float64, and
deliberately in the plain form of the equations where the TypeScript side uses another one:
Sinkhorn here exponentiates first, K = exp(-lambda C), and then divides rows and columns by their
sums (Eq. 2-3 literally); lib/models/sinkhorn.ts iterates in the log domain. The affine STN uses
torch's own affine_grid + grid_sample; lib/models/cvft.ts builds a sampling matrix.

Run with Debian's torch: /usr/bin/python3 test/reference/cvft_torch.py DIR
DIR/spec.json = {"cases": [{"name", "mode": "sinkhorn"|"head"|"affine"|"reduce", "params": {...},
                            "inputs": {name: {"file", "shape"}}, "grad": [input names]}]}
Every input is raw little-endian float32 in DIR/<file>, in the TypeScript layouts (NHWC maps,
HWIO filters, [in, out] FC weights). Writes DIR/<case>.<name>.f32 for every output and gradient
(d_<input>, in the input's layout) and DIR/result.json = {"torch": version, "cases": {case:
{name: {"file", "shape"}}}}. Each case's scalar is sum(output * r) over its weighted outputs,
the r being inputs written by the test.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def load(d, spec):
    a = np.fromfile(os.path.join(d, spec["file"]), dtype="<f4").reshape(spec["shape"])
    return torch.tensor(a.astype(np.float64))


def sinkhorn_plain(cost, lam, iters, row=None, col=None):
    """Eq. 2-3 as written: C' = exp(-lam C); m times: rows to sum a, then columns to sum b."""
    k = torch.exp(-lam * cost)
    n, m = cost.shape[-2], cost.shape[-1]
    a = torch.ones(n) if row is None else row
    b = torch.full((m,), n / m) if col is None else col
    a = a.reshape(-1, n, 1)
    b = b.reshape(-1, 1, m)
    for _ in range(iters):
        k = k / k.sum(dim=2, keepdim=True) * a
        k = k / k.sum(dim=1, keepdim=True) * b
    return k


def case_sinkhorn(x, p):
    out = {"plan": sinkhorn_plain(x["cost"], p["lambda"], p["iterations"], x.get("row"), x.get("col"))}
    return out, (out["plan"] * x["r"]).sum()


def case_head(x, p):
    """Cost generation (1x1 conv -> 1 + ReLU, FC N -> N^2), Sinkhorn, f(a) = n_a P* f(g) (Eq. 5)."""
    f = x["f"].permute(0, 3, 1, 2)  # NHWC -> NCHW
    b, c, h, w = f.shape
    n = h * w
    conv_w = x["conv_w"].permute(3, 2, 0, 1)  # HWIO -> OIHW
    a = F.relu(F.conv2d(f, conv_w, x["conv_b"]))  # [B,1,h,w]
    cost = F.linear(a.reshape(b, n), x["fc_w"].t(), x["fc_b"]).reshape(b, n, n)
    plan = sinkhorn_plain(cost, p["lambda"], p["iterations"])  # rows and columns sum to 1
    p_star = plan / n  # plan of Eq. 1 between uniform distributions (marginals 1/n)
    feats = f.reshape(b, c, n)  # f^i(g), one vector of n positions per channel i
    moved = n * torch.einsum("bst,bct->bcs", p_star, feats)  # n_a P* f^i(g)
    transported = moved.reshape(b, c, h, w).permute(0, 2, 3, 1)  # back to NHWC
    out = {"cost": cost, "plan": plan, "transported": transported}
    loss = (transported * x["r_t"]).sum() + (plan * x["r_p"]).sum() + (cost * x["r_c"]).sum()
    return out, loss


def case_affine(x, p):
    f = x["f"].permute(0, 3, 1, 2)
    b, c, h, w = f.shape
    grid = F.affine_grid(x["theta"].reshape(b, 2, 3), [b, c, h, w], align_corners=True)
    y = F.grid_sample(f, grid, mode="bilinear", padding_mode="zeros", align_corners=True)
    out = {"out": y.permute(0, 2, 3, 1)}
    return out, (out["out"] * x["r"]).sum()


def case_reduce(x, p):
    """conv5_3 map -> 1x1 conv + ReLU (Sec. 4.1) -> area resize to p["out_hw"] (adaptive average
    pooling, CVFT's default `resize: 'area'`)."""
    f = x["f"].permute(0, 3, 1, 2)
    a = F.relu(F.conv2d(f, x["conv_w"].permute(3, 2, 0, 1), x["conv_b"]))
    y = F.adaptive_avg_pool2d(a, (int(p["out_h"]), int(p["out_w"])))
    out = {"out": y.permute(0, 2, 3, 1)}
    return out, (out["out"] * x["r"]).sum()


CASES = {"sinkhorn": case_sinkhorn, "head": case_head, "affine": case_affine, "reduce": case_reduce}


def main() -> None:
    d = sys.argv[1]
    spec = json.load(open(os.path.join(d, "spec.json")))
    result = {"torch": torch.__version__, "cases": {}}
    for cs in spec["cases"]:
        x = {k: load(d, v) for k, v in cs["inputs"].items()}
        for k in cs["grad"]:
            x[k].requires_grad_(True)
        out, loss = CASES[cs["mode"]](x, cs.get("params", {}))
        grads = torch.autograd.grad(loss, [x[k] for k in cs["grad"]])
        res = {}
        items = [(k, v) for k, v in out.items()] + [("d_" + k, g) for k, g in zip(cs["grad"], grads)]
        items.append(("loss", loss.reshape(1)))
        for k, v in items:
            fn = "%s.%s.f32" % (cs["name"], k)
            v.detach().numpy().astype("<f4").tofile(os.path.join(d, fn))
            res[k] = {"file": fn, "shape": list(v.shape)}
        result["cases"][cs["name"]] = res
    json.dump(result, open(os.path.join(d, "result.json"), "w"))


if __name__ == "__main__":
    main()
