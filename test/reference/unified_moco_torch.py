"""PyTorch reference of training steps of the thesis' unified MoCo (003, appendix 6.5, Fig. 6.3 (c)),
written from the appendix's description and MoCo's Algorithm 1 (Sec. 3.1.1), in float64, for
test/models/unified_moco.test.ts.

Two crossed MoCo pairs on a batch of cross-view pairs (G', S'):
  pair 1: query q = ground branch (VGG16 + shared head), key k = momentum copy of the aerial branch q'
  pair 2: query q' = aerial branch, key k' = momentum copy of the ground branch q
  loss = InfoNCE(q(G'), k(S'), queue_k) + InfoNCE(q'(S'), k'(G'), queue_k')     (Eq. 3.1 each)
  then: an SGD step (momentum, weight decay) on q, q' (and the shared head); k <- m k + (1-m) q'; k' <- m k' + (1-m) q
  (Eq. 3.2, "updated by the query encoder of the other pair"); enqueue k(S') into queue_k and
  k'(G') into queue_k' at the same pointer, as a ring (any batch size up to K).

Usage: /usr/bin/python3 test/reference/unified_moco_torch.py spec.json dir
spec.json: {"divisor", "dim", "K", "tau", "m", "lr", "momentum", "weightDecay", "steps",
            "params": [[name, shape], ...]  (ours: ground.features.N.*, aerial.features.N.*,
                                             head.classifier.{0,2}.*; conv HWIO, linear [in, out]),
            "xg": [B, Hg, Wg, 3], "xs": [B, Hs, Ws, 3]}
dir: param_<name>.f32, queue_ground.f32 and queue_aerial.f32 [K, dim], xg<s>.f32, xs<s>.f32 (NHWC).
Writes: loss<s>.f32; q_<name>.f32 (query parameters after the steps); kg_<name>.f32 and
ka_<name>.f32 (key encoders k' and k, named like the query parameters they follow, with the
ground./aerial. prefix); queue_ground_out.f32, queue_aerial_out.f32, ptr.f32.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

VGG16_CFG = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]


def features(divisor: int) -> tuple[nn.Sequential, int]:
    layers, cin = [], 3
    for c in VGG16_CFG:
        if c == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(cin, c // divisor, 3, padding=1), nn.ReLU()]
            cin = c // divisor
    return nn.Sequential(*layers), cin


def head(c: int, dim: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(c, c), nn.ReLU(), nn.Linear(c, dim))


def embed(f: nn.Module, h: nn.Module, x: torch.Tensor) -> torch.Tensor:
    pooled = torch.flatten(F.adaptive_avg_pool2d(f(x), 1), 1)
    return F.normalize(h(pooled), dim=1)


def to_torch(a: np.ndarray, name: str) -> np.ndarray:
    if name.endswith("weight") and a.ndim == 4:  # HWIO -> OIHW
        return a.transpose(3, 2, 0, 1)
    if name.endswith("weight") and a.ndim == 2:  # [in, out] -> [out, in]
        return a.T
    return a


def to_tfjs(a: np.ndarray) -> np.ndarray:
    if a.ndim == 4:
        return a.transpose(2, 3, 1, 0)
    if a.ndim == 2:
        return a.T
    return a


def info_nce(q: torch.Tensor, k: torch.Tensor, queue: torch.Tensor, tau: float) -> torch.Tensor:
    n = q.shape[0]
    l_pos = torch.einsum("nc,nc->n", q, k).unsqueeze(-1)
    l_neg = torch.mm(q, queue.t())
    logits = torch.cat([l_pos, l_neg], dim=1) / tau
    return F.cross_entropy(logits, torch.zeros(n, dtype=torch.long))


def main() -> None:
    spec = json.load(open(sys.argv[1]))
    d = sys.argv[2]
    rd = lambda f, shape: np.fromfile(os.path.join(d, f), dtype="<f4").reshape(shape).astype(np.float64)
    wr = lambda f, a: np.asarray(a, dtype="<f4").tofile(os.path.join(d, f))
    torch.set_num_threads(1)

    fg, c = features(spec["divisor"])
    fa, _ = features(spec["divisor"])
    h = head(c, spec["dim"])
    query = nn.ModuleDict({"ground": nn.ModuleDict({"features": fg}), "aerial": nn.ModuleDict({"features": fa}), "head": nn.ModuleDict({"classifier": h})}).double()
    sd = {}
    for name, shape in spec["params"]:
        sd[name] = torch.from_numpy(np.ascontiguousarray(to_torch(rd(f"param_{name}.f32", shape), name)))
    query.load_state_dict(sd)

    # key encoders: k' follows the ground branch q, k follows the aerial branch q' (f_k.params = f_q.params)
    def key_copy(branch: str) -> nn.ModuleDict:
        f, _ = features(spec["divisor"])
        k = nn.ModuleDict({"features": f, "classifier": head(c, spec["dim"])}).double()
        k["features"].load_state_dict(query[branch]["features"].state_dict())
        k["classifier"].load_state_dict(query["head"]["classifier"].state_dict())
        for p in k.parameters():
            p.requires_grad = False
        return k

    k_ground, k_aerial = key_copy("ground"), key_copy("aerial")
    K, dim, tau, m = spec["K"], spec["dim"], spec["tau"], spec["m"]
    queue_g = torch.from_numpy(rd("queue_ground.f32", [K, dim]))
    queue_a = torch.from_numpy(rd("queue_aerial.f32", [K, dim]))
    ptr = 0
    opt = torch.optim.SGD(query.parameters(), lr=spec["lr"], momentum=spec["momentum"], weight_decay=spec["weightDecay"])
    for s in range(spec["steps"]):
        xg = torch.from_numpy(rd(f"xg{s}.f32", spec["xg"])).permute(0, 3, 1, 2)
        xs = torch.from_numpy(rd(f"xs{s}.f32", spec["xs"])).permute(0, 3, 1, 2)
        with torch.no_grad():
            kg = embed(k_ground["features"], k_ground["classifier"], xg)  # k'(G')
            ks = embed(k_aerial["features"], k_aerial["classifier"], xs)  # k(S')
        qg = embed(query["ground"]["features"], query["head"]["classifier"], xg)  # q(G')
        qs = embed(query["aerial"]["features"], query["head"]["classifier"], xs)  # q'(S')
        loss = info_nce(qg, ks, queue_a, tau) + info_nce(qs, kg, queue_g, tau)
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():  # Eq. 3.2, crossed
            for k, branch in ((k_ground, "ground"), (k_aerial, "aerial")):
                for pk, pq in zip(k["features"].parameters(), query[branch]["features"].parameters()):
                    pk.mul_(m).add_(pq, alpha=1 - m)
                for pk, pq in zip(k["classifier"].parameters(), query["head"]["classifier"].parameters()):
                    pk.mul_(m).add_(pq, alpha=1 - m)
            n = kg.shape[0]
            idx = (ptr + torch.arange(n)) % K  # ring buffer
            queue_g[idx] = kg
            queue_a[idx] = ks
            ptr = (ptr + n) % K
        wr(f"loss{s}.f32", [loss.item()])

    for name, p in query.state_dict().items():
        wr(f"q_{name}.f32", to_tfjs(p.detach().numpy()))
    for prefix, k, branch in (("kg", k_ground, "ground"), ("ka", k_aerial, "aerial")):
        for name, p in k["features"].state_dict().items():
            wr(f"{prefix}_{branch}.features.{name}.f32", to_tfjs(p.numpy()))
        for name, p in k["classifier"].state_dict().items():
            wr(f"{prefix}_head.classifier.{name}.f32", to_tfjs(p.numpy()))
    wr("queue_ground_out.f32", queue_g.numpy())
    wr("queue_aerial_out.f32", queue_a.numpy())
    wr("ptr.f32", [ptr])


if __name__ == "__main__":
    main()
