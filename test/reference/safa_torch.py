"""PyTorch reference of lib/models/safa.ts: the spatial-aware embedding (SPE) of the thesis (003),
appendix 6.1, written from its `class SPE` listing, and the SAFA model of Sec. 3.2 (two unshared
VGG16 `features` blocks, conv1_1 ... pool5, each followed by its own SPE, L2-normalised).

Written for this project. The one change to the listing: fc2 has D*H*W outputs (the listing's
Linear(H*W//2, H*W) would give a single map, while its comment `(B, D, H*W)` and the thesis'
4096-long representation, C*D with C = 512, need D maps).

Run with Debian's torch:  /usr/bin/python3 test/reference/safa_torch.py SPEC.json DIR
SPEC.json lists cases; every tensor is a raw little-endian float32 file in DIR, in the tfjs
layout the test uses (NHWC feature maps and images, HWIO conv filters, [in, out] linear
weights); this script converts to torch's layouts and back. Computed in float64. For each case
it writes the outputs and the gradients of the scalar  L = sum_k sum(out_k * r_k)  (r_k fixed
random weights written by the test) with respect to the inputs and every weight, as
  <case>.out.<name>.f32  and  <case>.grad.<name>.f32
Prints one JSON line {"torch": version, "cases": n} on stdout.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

VGG16_CFG = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]


class SPE(nn.Module):
    """Appendix 6.1's spatial-aware embedding, with D importance maps."""

    def __init__(self, fmp_size, D):
        super().__init__()
        H, W = fmp_size
        self.fc1 = nn.Linear(H * W, H * W // 2, bias=True)
        self.fc2 = nn.Linear(H * W // 2, D * H * W, bias=True)

    def forward(self, fmp):
        B, C, H, W = fmp.shape
        fmp_pooled, _ = fmp.max(axis=-3, keepdim=False)  # (B, H, W)
        x = fmp_pooled.flatten(start_dim=-2, end_dim=-1)  # (B, H*W)
        x = self.fc2(self.fc1(x)).reshape(B, -1, H * W)  # (B, D, H*W)
        fmp = fmp.flatten(start_dim=-2, end_dim=-1)  # (B, C, H*W)
        feat = torch.einsum("bci,bdi->bdc", fmp, x)  # (B, D, C)
        return feat.flatten(start_dim=-2, end_dim=-1)  # (B, D*C)


def vgg16_features(divisor):
    layers, cin = [], 3
    for c in VGG16_CFG:
        if c == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers += [nn.Conv2d(cin, c // divisor, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
            cin = c // divisor
    return nn.Sequential(*layers)


def pool5_size(hw):
    h, w = hw
    for _ in range(5):
        h, w = h // 2, w // 2
    return h, w


class Branch(nn.Module):
    def __init__(self, divisor, input_hw, D):
        super().__init__()
        self.features = vgg16_features(divisor)
        self.spe = SPE(pool5_size(input_hw), D)

    def forward(self, x):
        z = self.spe(self.features(x))
        return z / z.norm(dim=1, keepdim=True).clamp_min(1e-12)


class Safa(nn.Module):
    def __init__(self, divisor, ground_hw, aerial_hw, D):
        super().__init__()
        self.ground = Branch(divisor, ground_hw, D)
        self.aerial = Branch(divisor, aerial_hw, D)

    def forward(self, ground, aerial):
        return self.ground(ground), self.aerial(aerial)


# ---- layouts: tfjs <-> torch -------------------------------------------------------------------

def to_torch(a, layout):
    if layout == "nhwc":
        return a.transpose(0, 3, 1, 2)
    if layout == "hwio":
        return a.transpose(3, 2, 0, 1)
    if layout == "linear":  # [in, out] -> [out, in]
        return a.T
    return a


def from_torch(a, layout):
    if layout == "nhwc":
        return a.transpose(0, 2, 3, 1)
    if layout == "hwio":
        return a.transpose(2, 3, 1, 0)
    if layout == "linear":
        return a.T
    return a


def param_layout(name, ndim):
    if name.endswith(".weight"):
        return "hwio" if ndim == 4 else "linear"
    return "plain"


def read(d, fname, shape):
    a = np.fromfile(os.path.join(d, fname), dtype="<f4")
    if a.size != int(np.prod(shape)):
        raise SystemExit(f"{fname}: expected {int(np.prod(shape))} float32 values for shape {shape}, found {a.size}")
    return a.reshape(shape).astype(np.float64)


def write(d, fname, t, layout):
    a = from_torch(t.detach().cpu().numpy(), layout)
    np.ascontiguousarray(a, dtype="<f4").tofile(os.path.join(d, fname))


def load_params(module, d, case, params):
    """params: {name: shape (tfjs layout)}; every state_dict entry must be given."""
    sd = module.state_dict()
    if set(sd) != set(params):
        raise SystemExit(f"{case}: parameter names differ from torch's: "
                         f"missing {sorted(set(sd) - set(params))}, unknown {sorted(set(params) - set(sd))}")
    with torch.no_grad():
        for name, shape in params.items():
            a = to_torch(read(d, f"{case}.param.{name}.f32", shape), param_layout(name, len(shape)))
            if tuple(sd[name].shape) != a.shape:
                raise SystemExit(f"{case}: {name}: torch shape {tuple(sd[name].shape)}, given {a.shape}")
            dict(module.named_parameters())[name].copy_(torch.from_numpy(np.ascontiguousarray(a)))


def run_case(c, d):
    name = c["name"]
    inputs = {k: torch.from_numpy(np.ascontiguousarray(to_torch(read(d, f"{name}.in.{k}.f32", s), "nhwc"))).requires_grad_(True)
              for k, s in c["inputs"].items()}
    r = {k: torch.from_numpy(read(d, f"{name}.r.{k}.f32", s)) for k, s in c["r"].items()}
    if c["kind"] == "spe":
        fmp = inputs["fmp"]
        m = SPE((fmp.shape[2], fmp.shape[3]), c["D"]).double()
        load_params(m, d, name, c["params"])
        outs = {"feat": m(fmp)}
    elif c["kind"] == "safa":
        m = Safa(c["widthDivisor"], c["groundHW"], c["aerialHW"], c["D"]).double()
        load_params(m, d, name, c["params"])
        g, s = m(inputs["ground"], inputs["aerial"])
        outs = {"g": g, "s": s}
    else:
        raise SystemExit(f"unknown case kind {c['kind']!r}")
    loss = sum((outs[k] * r[k]).sum() for k in outs)
    loss.backward()
    for k, t in outs.items():
        write(d, f"{name}.out.{k}.f32", t, "plain")
    for k, t in inputs.items():
        write(d, f"{name}.grad.{k}.f32", t.grad, "nhwc")
    for k, p in m.named_parameters():
        write(d, f"{name}.grad.{k}.f32", p.grad, param_layout(k, p.dim()))


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: safa_torch.py SPEC.json DIR")
    torch.set_num_threads(1)
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    for c in spec["cases"]:
        run_case(c, sys.argv[2])
    print(json.dumps({"torch": torch.__version__, "cases": len(spec["cases"])}))


if __name__ == "__main__":
    main()
