"""PyTorch reference for lib/models/mgtl.ts, written for this project from the MGTL paper (000):

  - LayerNorm over the last axis (biased variance, eps 1e-5), written out by hand;
  - the GKST block of Eq. 4-5: multi-head cross-attention, queries from the intra-modal
    features x, keys and values from the generated cross-modal knowledge kv,
        Q = x Wq + bq, K = kv Wk + bk, V = kv Wv + bv, Head_i = softmax(Q_i K_i^T / sqrt(d)) V_i,
        MH = Concat(Head_1..Head_n) Wo + bo,  F' = MH + x,
    ended by one of three readings (model option `block`):
        "pre-ln-ffn":  F = F' + MLP(LN(F')),   MLP(h) = GELU(h W1 + b1) W2 + b2 (exact erf GELU);
        "literal":     F = F' + LN(F');
        "literal-ffn": G = F' + LN(F'),  F = G + MLP(LN2(G)).

Run with Debian's torch:  /usr/bin/python3 test/reference/mgtl_torch.py SPEC.json DIR
Every tensor is a raw little-endian float32 file in DIR; linear weights are [in, out] (tfjs
layout, used here as x @ W). Computed in float64. Case kind "model": the whole MGTL (Eq. 1-6,
Sec. 2.3) as functions of named weights (lib/models/mgtl.ts names; conv filters HWIO), outputs
g and s, gradients of sum(g * r.g) + sum(s * r.s) w.r.t. every weight. For each case it writes the outputs and the
gradients of L = sum(out * r) (r written by the test) w.r.t. every input and weight, as
  <case>.out.<name>.f32  and  <case>.grad.<name>.f32
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F


def read(d, fname, shape):
    a = np.fromfile(os.path.join(d, fname), dtype="<f4")
    if a.size != int(np.prod(shape)):
        raise SystemExit(f"{fname}: expected {int(np.prod(shape))} float32 values for shape {shape}, found {a.size}")
    return torch.from_numpy(a.reshape(shape).astype(np.float64))


def write(d, fname, t):
    np.ascontiguousarray(t.detach().numpy(), dtype="<f4").tofile(os.path.join(d, fname))


def layer_norm(x, gamma, beta, eps=1e-5):
    mu = x.mean(dim=-1, keepdim=True)
    var = ((x - mu) ** 2).mean(dim=-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * gamma + beta


def multi_head(x, kv, p, heads):
    B, N, c = x.shape
    M = kv.shape[1]
    d = c // heads
    q = (x @ p["wq"] + p["bq"]).view(B, N, heads, d).permute(0, 2, 1, 3)
    k = (kv @ p["wk"] + p["bk"]).view(B, M, heads, d).permute(0, 2, 1, 3)
    v = (kv @ p["wv"] + p["bv"]).view(B, M, heads, d).permute(0, 2, 1, 3)
    scores = q @ k.transpose(-1, -2) / math.sqrt(d)
    att = torch.softmax(scores, dim=-1)
    heads_out = (att @ v).permute(0, 2, 1, 3).reshape(B, N, c)
    return heads_out @ p["wo"] + p["bo"]


def mlp(h, w1, b1, w2, b2):
    return F.gelu(h @ w1 + b1) @ w2 + b2


def gkst(x, kv, p, heads, block):
    f1 = multi_head(x, kv, p, heads) + x
    if block == "pre-ln-ffn":
        return f1 + mlp(layer_norm(f1, p["ln_g"], p["ln_b"]), p["w1"], p["b1"], p["w2"], p["b2"])
    f = f1 + layer_norm(f1, p["ln_g"], p["ln_b"])
    if block == "literal":
        return f
    if block == "literal-ffn":
        return f + mlp(layer_norm(f, p["ffn_ln_g"], p["ffn_ln_b"]), p["w1"], p["b1"], p["w2"], p["b2"])
    raise SystemExit(f"unknown GKST block {block!r}")


VGG16_CFG = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]


def vgg16(x, P, prefix):
    """VGG16 `features` (conv1_1 ... pool5) on NCHW x; conv weights given HWIO, named by torchvision index."""
    idx = 0
    for v in VGG16_CFG:
        if v == "M":
            x = F.max_pool2d(x, 2, 2)
            idx += 1
        else:
            w = P[f"{prefix}.features.{idx}.weight"].permute(3, 2, 0, 1)
            x = F.relu(F.conv2d(x, w, P[f"{prefix}.features.{idx}.bias"], padding=1))
            idx += 2
    return x


def layer(x, P, n):
    w = P[f"{n}.weight"]
    if w.dim() == 2:
        return x @ w + P[f"{n}.bias"]
    # naive variant: kernel-3 convolution along the positions, weight [1, 3, in, out]
    y = F.conv1d(x.transpose(1, 2), w[0].permute(2, 1, 0), P[f"{n}.bias"], padding=1)
    return y.transpose(1, 2)


def generator(x, P, n):
    """Eq. 3: encoder FC-GELU-FC, decoder FC-GELU-FC (Sec. 2.3)."""
    z = layer(F.gelu(layer(x, P, f"{n}.enc.0")), P, f"{n}.enc.1")
    return layer(F.gelu(layer(z, P, f"{n}.dec.0")), P, f"{n}.dec.1")


def block(x, kv, P, n, heads, kind):
    p = {"wq": P[f"{n}.attn.q.weight"], "bq": P[f"{n}.attn.q.bias"], "wk": P[f"{n}.attn.k.weight"],
         "bk": P[f"{n}.attn.k.bias"], "wv": P[f"{n}.attn.v.weight"], "bv": P[f"{n}.attn.v.bias"],
         "wo": P[f"{n}.attn.o.weight"], "bo": P[f"{n}.attn.o.bias"],
         "ln_g": P[f"{n}.ln_out.weight"], "ln_b": P[f"{n}.ln_out.bias"]}
    mlp_name = {"pre-ln-ffn": "mlp", "literal-ffn": "ffn"}.get(kind)
    if mlp_name:
        p.update({"w1": P[f"{n}.{mlp_name}.0.weight"], "b1": P[f"{n}.{mlp_name}.0.bias"],
                  "w2": P[f"{n}.{mlp_name}.1.weight"], "b2": P[f"{n}.{mlp_name}.1.bias"]})
    if kind == "literal-ffn":
        p.update({"ffn_ln_g": P[f"{n}.ffn.ln.weight"], "ffn_ln_b": P[f"{n}.ffn.ln.bias"]})
    return gkst(x, kv, p, heads, kind)


def mgtl(ground, aerial, P, variant, L, heads, kind):
    """MIFE (VGG16, mean over height, FC, + PE: Eq. 1-2), then Eq. 6 for L steps; flattened, L2-normalised."""
    def mife(x, side):
        f = vgg16(x, P, side).mean(dim=2).transpose(1, 2)  # [B, W', C]
        return f @ P[f"{side}.fc.weight"] + P[f"{side}.fc.bias"] + P[f"{side}.pe"]
    fg, fs = mife(ground, "ground"), mife(aerial, "aerial")
    for l in range(L):
        n = f"steps.{l}"
        cg = layer_norm(fg, P[f"{n}.ground.ln.weight"], P[f"{n}.ground.ln.bias"])
        cs = layer_norm(fs, P[f"{n}.aerial.ln.weight"], P[f"{n}.aerial.ln.bias"])
        if variant == "wo-cmi":
            kg, ks = cg, cs
        else:
            kg, ks = generator(cg, P, f"{n}.g2s"), generator(cs, P, f"{n}.s2g")
        fg, fs = block(cg, kg, P, f"{n}.ground", heads, kind), block(cs, ks, P, f"{n}.aerial", heads, kind)
    B = fg.shape[0]
    g, s = fg.reshape(B, -1), fs.reshape(B, -1)
    return g / g.norm(dim=1, keepdim=True).clamp_min(1e-12), s / s.norm(dim=1, keepdim=True).clamp_min(1e-12)


def run_model_case(c, d):
    name = c["name"]
    P = {k: read(d, f"{name}.param.{k}.f32", s).requires_grad_(True) for k, s in c["params"].items()}
    x = {k: read(d, f"{name}.in.{k}.f32", s).permute(0, 3, 1, 2) for k, s in c["inputs"].items()}
    g, s = mgtl(x["ground"], x["aerial"], P, c["variant"], c["steps"], c["heads"], c["block"])
    rg = read(d, f"{name}.r.g.f32", c["r"])
    rs = read(d, f"{name}.r.s.f32", c["r"])
    ((g * rg).sum() + (s * rs).sum()).backward()
    write(d, f"{name}.out.g.f32", g)
    write(d, f"{name}.out.s.f32", s)
    for k, p in P.items():
        write(d, f"{name}.grad.{k}.f32", p.grad)


def run_case(c, d):
    name = c["name"]
    if c["kind"] == "model":
        return run_model_case(c, d)
    t = {k: read(d, f"{name}.in.{k}.f32", s).requires_grad_(True) for k, s in c["inputs"].items()}
    r = read(d, f"{name}.r.out.f32", c["r"])
    if c["kind"] == "layernorm":
        out = layer_norm(t["x"], t["ln_g"], t["ln_b"])
    elif c["kind"] == "gkst":
        out = gkst(t["x"], t["kv"], t, c["heads"], c["block"])
    else:
        raise SystemExit(f"unknown case kind {c['kind']!r}")
    (out * r).sum().backward()
    write(d, f"{name}.out.out.f32", out)
    for k, v in t.items():
        write(d, f"{name}.grad.{k}.f32", v.grad)


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: mgtl_torch.py SPEC.json DIR")
    torch.set_num_threads(1)
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    for c in spec["cases"]:
        run_case(c, sys.argv[2])
    print(json.dumps({"torch": torch.__version__, "cases": len(spec["cases"])}))


if __name__ == "__main__":
    main()
