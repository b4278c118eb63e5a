"""PyTorch reference of the optimizers and schedules of lib/train (optimizers.ts, schedules.ts):
torch.optim.Adam / torch.optim.SGD run for several steps on fixed per-step gradients, and the
learning-rate factors of torch.optim.lr_scheduler.MultiStepLR and a LambdaLR with MDUIT's
linear decay, in float64.

Usage: /usr/bin/python3 test/reference/optim_torch.py SPEC.json DIR
SPEC: {"cases": [{"name": str, "kind": "adam"|"sgd", "options": {...torch kwargs...},
                  "lrs": [float per step], "shape": [..], "init": "x.f32",
                  "grads": ["g0.f32", ...]}],
       "multistep": {"milestones": [..], "gamma": float, "epochs": int}}
Writes DIR/<name>.f32 (the parameter after all steps, float32) and DIR/out.json
({"torch": version, "multistep": [factor per epoch]}).
"""
import json
import os
import sys

import numpy as np
import torch

spec = json.load(open(sys.argv[1]))
d = sys.argv[2]


def load(name, shape):
    return torch.from_numpy(np.fromfile(os.path.join(d, name), dtype="<f4").astype(np.float64).reshape(shape))


for c in spec["cases"]:
    p = torch.nn.Parameter(load(c["init"], c["shape"]))
    opt_cls = torch.optim.Adam if c["kind"] == "adam" else torch.optim.SGD
    opt = opt_cls([p], lr=c["lrs"][0], **c["options"])
    for lr, g in zip(c["lrs"], c["grads"]):
        for group in opt.param_groups:
            group["lr"] = lr
        opt.zero_grad()
        p.grad = load(g, c["shape"]).clone()
        opt.step()
    p.detach().numpy().astype("<f4").tofile(os.path.join(d, c["name"] + ".f32"))

m = spec["multistep"]
q = torch.nn.Parameter(torch.zeros(1))
o = torch.optim.SGD([q], lr=1.0)
sched = torch.optim.lr_scheduler.MultiStepLR(o, milestones=m["milestones"], gamma=m["gamma"])
factors = []
for epoch in range(m["epochs"]):
    factors.append(o.param_groups[0]["lr"])
    o.step()
    sched.step()

json.dump({"torch": torch.__version__, "multistep": factors}, open(os.path.join(d, "out.json"), "w"))
