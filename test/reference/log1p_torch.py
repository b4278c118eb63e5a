"""Reference of the engine's accurate log1p (lib/engine/ops/log1p.ts): torch.log1p of the same
float32 inputs, in float32 (torch's CPU kernel, std::log1p) and in float64, with the float32
gradient d/dy log1p(y) = 1/(1 + y) by autograd.

Usage: /usr/bin/python3 test/reference/log1p_torch.py SPEC.json DIR
SPEC: {"x": "x.f32"} (raw little-endian float32 in DIR). Writes DIR/y32.f32, DIR/y64.f32 (the
float64 result rounded to float32) and DIR/grad32.f32.
"""
import json
import os
import sys

import numpy as np
import torch


def main():
    spec_path, d = sys.argv[1], sys.argv[2]
    spec = json.load(open(spec_path))
    x = torch.from_numpy(np.fromfile(os.path.join(d, spec["x"]), dtype="<f4").copy())
    x32 = x.clone().requires_grad_(True)
    y32 = torch.log1p(x32)
    y32.sum().backward()
    y64 = torch.log1p(x.double())
    y32.detach().numpy().astype("<f4").tofile(os.path.join(d, "y32.f32"))
    y64.numpy().astype("<f4").tofile(os.path.join(d, "y64.f32"))
    x32.grad.numpy().astype("<f4").tofile(os.path.join(d, "grad32.f32"))


if __name__ == "__main__":
    main()
