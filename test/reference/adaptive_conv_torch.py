"""PyTorch reference of MDUIT's appearance-adaptive convolution (paper 004, Eq. 1, Sec. 3.1: a
per-sample group convolution), for test/models/adaptive_conv.test.ts. Each sample b is convolved
on its own with torch.nn.functional.conv2d(x[b], W[b], groups=G, padding=(k-1)//2), in float64;
the gradients are those of sum(out * R) by autograd.

Usage: /usr/bin/python3 test/reference/adaptive_conv_torch.py spec.json dir
spec.json: {"cases": [{"name", "x": [B, H, W, C], "w": [B, k, k, C/G, C'], "groups"}, ...]}
dir holds raw little-endian float32 files <name>_x.f32 (NHWC), <name>_w.f32 (per-sample HWIO),
<name>_r.f32 ([B, H, W, C'], the weights of the scalar).
Writes <name>_out.f32 (NHWC), <name>_gx.f32 (NHWC), <name>_gw.f32 (per-sample HWIO), <name>_loss.f32.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F


def main() -> None:
    spec = json.load(open(sys.argv[1]))
    d = sys.argv[2]
    rd = lambda f, shape: np.fromfile(os.path.join(d, f), dtype="<f4").reshape(shape).astype(np.float64)
    wr = lambda f, a: np.asarray(a, dtype="<f4").tofile(os.path.join(d, f))
    torch.set_num_threads(1)
    for case in spec["cases"]:
        n, g = case["name"], case["groups"]
        B, H, W, C = case["x"]
        _, k, _, cin_g, cout = case["w"]
        x = torch.from_numpy(rd(f"{n}_x.f32", case["x"])).permute(0, 3, 1, 2).contiguous().requires_grad_(True)
        # per-sample HWIO [B, k, k, C/G, C'] -> PyTorch's grouped weight [B, C', C/G, k, k]
        w = torch.from_numpy(rd(f"{n}_w.f32", case["w"])).permute(0, 4, 3, 1, 2).contiguous().requires_grad_(True)
        r = torch.from_numpy(rd(f"{n}_r.f32", [B, H, W, cout])).permute(0, 3, 1, 2)
        outs = [F.conv2d(x[b : b + 1], w[b], groups=g, padding=(k - 1) // 2) for b in range(B)]
        out = torch.cat(outs, 0)
        loss = (out * r).sum()
        loss.backward()
        wr(f"{n}_out.f32", out.detach().permute(0, 2, 3, 1).numpy())
        wr(f"{n}_gx.f32", x.grad.permute(0, 2, 3, 1).numpy())
        wr(f"{n}_gw.f32", w.grad.permute(0, 3, 4, 2, 1).numpy())
        wr(f"{n}_loss.f32", [loss.item()])


if __name__ == "__main__":
    main()
