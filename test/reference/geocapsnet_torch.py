"""PyTorch reference of lib/models/geocapsnet.ts and lib/models/resnetx.ts, written for this
project from the GeoCapsNet paper (001): Sec. 3.2's squash (Sabour et al.'s form, or the
paper's printed s/|s|^2 form with "squash": "paper-literal", written as printed) and GeoCaps layer
with dynamic routing (Sabour et al. 2017, Procedure 1), and one ResNetX bottleneck block of Table 1 with
BatchNorm in Keras' semantics (epsilon 1e-3, momentum 0.99, biased batch variance, moving
statistics updated in training mode; inference mode uses them).

Run with Debian's torch:  /usr/bin/python3 test/reference/geocapsnet_torch.py SPEC.json DIR
Every tensor is a raw little-endian float32 file in DIR in the tfjs layout (NHWC maps, HWIO
filters); this script converts to torch's layouts and back, and computes in float64. For each
case it writes <case>.out.<name>.f32 and the gradients of L = sum_k sum(out_k * r_k) as
<case>.grad.<name>.f32 (and, for a bottleneck in training mode, the updated moving statistics
as <case>.out.<param name>.f32).
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

EPS = 1e-3
MOMENTUM = 0.99


def read(d, fname, shape):
    a = np.fromfile(os.path.join(d, fname), dtype="<f4")
    if a.size != int(np.prod(shape)):
        raise SystemExit(f"{fname}: expected {int(np.prod(shape))} float32 values for shape {shape}, found {a.size}")
    return torch.from_numpy(a.reshape(shape).astype(np.float64))


def write(d, fname, t):
    np.ascontiguousarray(t.detach().cpu().numpy(), dtype="<f4").tofile(os.path.join(d, fname))


def squash(s, form="sabour"):
    """Sabour et al. Eq. 1 (default), or Sec. 3.2's equation as printed: |s|^2/(1+|s|^2) * s/|s|^2."""
    n2 = (s * s).sum(-1, keepdim=True)
    if form == "paper-literal":
        return n2 / (1 + n2) * s / n2
    return s * n2 / ((1 + n2) * torch.sqrt(n2 + 1e-9))


def geocaps(u, w, iterations, form="sabour"):
    """u [B,N,din], w [N,J,din,dout] -> v [B,J,dout]."""
    B, N, _ = u.shape
    J = w.shape[1]
    uhat = torch.stack([torch.stack([u[:, i, :] @ w[i, j] for j in range(J)], 1) for i in range(N)], 1)  # [B,N,J,dout]
    b = torch.zeros(B, N, J, dtype=u.dtype)
    v = None
    for r in range(iterations):
        c = torch.softmax(b, dim=2)
        s = (c.unsqueeze(3) * uhat).sum(1)
        v = squash(s, form)
        if r < iterations - 1:
            b = b + (uhat * v.unsqueeze(1)).sum(3)
    return v


def batch_norm(x, p, training, updated):
    """x NCHW; p: dict of gamma, beta, moving_mean, moving_variance (1-D)."""
    if training:
        mean = x.mean(dim=(0, 2, 3))
        var = x.var(dim=(0, 2, 3), unbiased=False)
        updated["moving_mean"] = MOMENTUM * p["moving_mean"] + (1 - MOMENTUM) * mean.detach()
        updated["moving_variance"] = MOMENTUM * p["moving_variance"] + (1 - MOMENTUM) * var.detach()
    else:
        mean, var = p["moving_mean"], p["moving_variance"]
    sh = (1, -1, 1, 1)
    return (x - mean.reshape(sh)) / torch.sqrt(var.reshape(sh) + EPS) * p["gamma"].reshape(sh) + p["beta"].reshape(sh)


def conv_bn(x, P, pre, stride, training, moving):
    w = P[f"{pre}.weight"].permute(3, 2, 0, 1)  # HWIO -> OIHW
    k = w.shape[2]
    y = F.conv2d(x, w, P[f"{pre}.bias"], stride=stride, padding=(k - 1) // 2)
    bn = {n: P[f"{pre}.bn.{n}"] for n in ("gamma", "beta", "moving_mean", "moving_variance")}
    upd = {}
    out = batch_norm(y, bn, training, upd)
    for n, t in upd.items():
        moving[f"{pre}.bn.{n}"] = t
    return out


def bottleneck(x, P, stride, training, moving):
    h = torch.relu(conv_bn(x, P, "a", stride, training, moving))
    h = torch.relu(conv_bn(h, P, "b", 1, training, moving))
    h = conv_bn(h, P, "c", 1, training, moving)
    sc = conv_bn(x, P, "proj", stride, training, moving) if "proj.weight" in P else x
    return torch.relu(h + sc)


def main():
    spec = json.load(open(sys.argv[1]))
    d = sys.argv[2]
    for c in spec["cases"]:
        name = c["name"]
        inputs = {k: read(d, f"{name}.in.{k}.f32", s).requires_grad_(True) for k, s in c["inputs"].items()}
        params = {k: read(d, f"{name}.param.{k}.f32", s) for k, s in c["params"].items()}
        for k in c.get("trainable", list(params)):
            params[k].requires_grad_(True)
        rs = {k: read(d, f"{name}.r.{k}.f32", s) for k, s in c["r"].items()}
        outs = {}
        if c["kind"] == "routing":
            form = c.get("squash", "sabour")
            sq = squash(inputs["u"], form)
            outs["squash"] = sq
            outs["v"] = geocaps(sq, params["w"], c["iterations"], form)
            moving = {}
        elif c["kind"] == "bottleneck":
            x = inputs["x"].permute(0, 3, 1, 2)
            moving = {}
            y = bottleneck(x, params, c["stride"], c["training"], moving)
            outs["y"] = y.permute(0, 2, 3, 1)
        else:
            raise SystemExit(f"unknown case kind {c['kind']}")
        L = sum((outs[k] * rs[k]).sum() for k in outs)
        L.backward()
        for k, t in outs.items():
            write(d, f"{name}.out.{k}.f32", t)
        for k, t in moving.items():
            write(d, f"{name}.out.{k}.f32", t)
        for k, t in {**inputs, **params}.items():
            if t.requires_grad:
                write(d, f"{name}.grad.{k}.f32", t.grad)
    print(json.dumps({"torch": torch.__version__, "cases": len(spec["cases"])}))


if __name__ == "__main__":
    main()
