"""PyTorch reference of MoCo steps (thesis 003, Sec. 3.1.1, Algorithm 1; Eq. 3.1 InfoNCE, Eq. 3.2
momentum update), written from the thesis' pseudo-code, in float64, for test/models/moco.test.ts.

Usage: /usr/bin/python3 test/reference/moco_torch.py spec.json dir
spec.json: {"divisor", "dim", "K", "tau", "m", "lr", "momentum", "weightDecay", "steps",
            "params": [[name, shape], ...]   (tfjs layouts: conv HWIO, linear [in, out]),
            "x": [B, H, W, 3]}
dir holds raw little-endian float32 files: param_<name>.f32 (f_q = f_k at the start),
queue.f32 [K, dim], xq<s>.f32 and xk<s>.f32 (NHWC) for each step s.
Writes: loss<s>.f32, q_<name>.f32 (f_q after the steps), k_<name>.f32 (f_k after), queue_out.f32,
ptr.f32 — all back in tfjs layouts.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

VGG16_CFG = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]


def encoder(divisor: int, dim: int) -> nn.Module:
    layers, cin = [], 3
    for c in VGG16_CFG:
        if c == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(cin, c // divisor, 3, padding=1), nn.ReLU()]
            cin = c // divisor
    m = nn.Module()
    m.features = nn.Sequential(*layers)
    m.avgpool = nn.AdaptiveAvgPool2d((1, 1))
    m.classifier = nn.Sequential(nn.Linear(cin, cin), nn.ReLU(), nn.Linear(cin, dim))
    return m


def forward(m: nn.Module, x: torch.Tensor) -> torch.Tensor:
    return m.classifier(torch.flatten(m.avgpool(m.features(x)), 1))


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


def main() -> None:
    spec = json.load(open(sys.argv[1]))
    d = sys.argv[2]
    rd = lambda f, shape: np.fromfile(os.path.join(d, f), dtype="<f4").reshape(shape).astype(np.float64)
    wr = lambda f, a: np.asarray(a, dtype="<f4").tofile(os.path.join(d, f))
    torch.set_num_threads(1)

    f_q = encoder(spec["divisor"], spec["dim"]).double()
    f_k = encoder(spec["divisor"], spec["dim"]).double()
    sd = {}
    for name, shape in spec["params"]:
        sd[name] = torch.from_numpy(np.ascontiguousarray(to_torch(rd(f"param_{name}.f32", shape), name)))
    f_q.load_state_dict(sd)
    # f_k.params = f_q.params  # initialize
    for pk, pq in zip(f_k.parameters(), f_q.parameters()):
        pk.data.copy_(pq.data)
        pk.requires_grad = False

    K, dim, tau, m = spec["K"], spec["dim"], spec["tau"], spec["m"]
    queue = torch.from_numpy(rd("queue.f32", [K, dim]))  # rows = keys (MoCo's buffer transposed)
    ptr = 0
    opt = torch.optim.SGD(f_q.parameters(), lr=spec["lr"], momentum=spec["momentum"], weight_decay=spec["weightDecay"])
    for s in range(spec["steps"]):
        x_q = torch.from_numpy(rd(f"xq{s}.f32", spec["x"])).permute(0, 3, 1, 2)
        x_k = torch.from_numpy(rd(f"xk{s}.f32", spec["x"])).permute(0, 3, 1, 2)
        N = x_q.shape[0]
        q = F.normalize(forward(f_q, x_q), dim=1)  # queries: NxC
        k = F.normalize(forward(f_k, x_k), dim=1)  # keys: NxC
        k = k.detach()  # no gradient to keys
        l_pos = torch.bmm(q.view(N, 1, dim), k.view(N, dim, 1)).view(N, 1)
        l_neg = torch.mm(q.view(N, dim), queue.t())
        logits = torch.cat([l_pos, l_neg], dim=1)
        labels = torch.zeros(N, dtype=torch.long)
        loss = F.cross_entropy(logits / tau, labels)  # Eq. 3.1, mean over the batch
        opt.zero_grad()
        loss.backward()
        opt.step()  # SGD update: query network
        with torch.no_grad():  # momentum update: key network (Eq. 3.2)
            for pk, pq in zip(f_k.parameters(), f_q.parameters()):
                pk.data.mul_(m).add_(pq.data, alpha=1 - m)
        assert K % N == 0
        queue[ptr:ptr + N] = k  # enqueue the current minibatch, dequeue the earliest
        ptr = (ptr + N) % K
        wr(f"loss{s}.f32", [loss.item()])

    for prefix, net in (("q", f_q), ("k", f_k)):
        for name, p in net.state_dict().items():
            wr(f"{prefix}_{name}.f32", to_tfjs(p.detach().numpy()))
    wr("queue_out.f32", queue.numpy())
    wr("ptr.f32", [ptr])


if __name__ == "__main__":
    main()
