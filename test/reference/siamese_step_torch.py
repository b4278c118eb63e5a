"""PyTorch twin of `lib/bench/siamese_step.ts`: one forward + backward + Adam step of the
two-branch VGG16 Siamese model (thesis 003, appendix 6.1) with the thesis' soft-triplet loss
(Eq. 3.3/3.4), timed the same way (median over the timed steps after warm-up).

Written for this project (no torchvision needed: VGG16's `features` block is built from its
configuration). Run with Debian's torch: /usr/bin/python3 test/reference/siamese_step_torch.py
  --ground 112 616 --aerial 256 256 --batch 8 --steps 5 --warmup 1 --threads 2
Prints one JSON object on stdout; progress goes to stderr.

`--head fc` builds the main text's aggregation (Sec. 4.2: global average pooling + one shared
Linear(512, 4096)) instead of appendix 6.1's MLP (the default, the benchmark's model);
`--count-only` prints {"params", "descriptor"} (the descriptor shape of a forward of `--batch`
images) without training: the model test compares it with lib/models/siamese_vgg.ts.
`--forward SPEC.json OUT.json` loads the TypeScript model's weights (raw float32 files named as
its namedVariables: HWIO filters, [in, out] linear weights) and NHWC inputs, and writes the
descriptors of this model's forward (the forward parity of test/losses/triplet.test.ts).
"""
import os
import argparse
import json
import statistics
import sys
import time

import torch
import torch.nn as nn

VGG16_CFG = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]


def vgg16_features(divisor: int = 1) -> nn.Sequential:
    layers, cin = [], 3
    for c in VGG16_CFG:
        c = c if c == "M" else c // divisor
        if c == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            conv = nn.Conv2d(cin, c, 3, padding=1)
            nn.init.kaiming_normal_(conv.weight, mode="fan_out", nonlinearity="relu")
            nn.init.zeros_(conv.bias)
            layers += [conv, nn.ReLU(inplace=True)]
            cin = c
    return nn.Sequential(*layers)


class SiameseVgg(nn.Module):
    def __init__(self, divisor: int = 1, dim: int = 0, head: str = "mlp"):
        super().__init__()
        f = 512 // divisor
        self.ground = vgg16_features(divisor)
        self.aerial = vgg16_features(divisor)
        if head == "fc":  # Sec. 4.2: "global average pooling plus a shared fully-connected layer", 4096-d
            self.head = nn.Linear(f, dim or 4096 // divisor)
        else:  # appendix 6.1's listing
            self.head = nn.Sequential(nn.Linear(f, f), nn.ReLU(inplace=True), nn.Linear(f, dim or 128))

    def branch(self, f: torch.Tensor) -> torch.Tensor:
        z = self.head(f.mean(dim=(2, 3)))
        return z / z.norm(dim=1, keepdim=True).clamp_min(1e-12)

    def forward(self, ground, aerial):
        return self.branch(self.ground(ground)), self.branch(self.aerial(aerial))


def soft_triplet_thesis(g: torch.Tensor, s: torch.Tensor, gamma: float = 10.0) -> torch.Tensor:
    """Thesis Eq. 3.3 summed as Eq. 3.4: log(1 + gamma * exp(d_pos - d_neg)), both anchors."""
    d = torch.sqrt(torch.clamp(2 - 2 * g @ s.t(), min=1e-12))
    pos = torch.diagonal(d).unsqueeze(1)
    off = 1 - torch.eye(d.shape[0])
    term = lambda gap: torch.log(1 + gamma * torch.exp(gap)) * off
    return term(pos - d).sum() + term(pos - d.t()).sum()


def forward_parity(spec_path: str, out_path: str) -> None:
    """SPEC: {"divisor", "head", "dim", "tensors": {name: {"file", "shape"}}, "ground": {"file", "shape"}, "aerial": {...}}."""
    import numpy as np
    root = os.path.dirname(os.path.abspath(spec_path))
    with open(spec_path) as f:
        spec = json.load(f)
    load = lambda t: torch.from_numpy(np.fromfile(os.path.join(root, t["file"]), dtype="<f4").reshape(t["shape"]).copy())
    model = SiameseVgg(spec["divisor"], spec["dim"], spec["head"]).eval()
    state = {}
    for name, t in spec["tensors"].items():
        x = load(t)
        if x.dim() == 4:
            x = x.permute(3, 2, 0, 1)  # HWIO -> OIHW
        elif x.dim() == 2:
            x = x.t()  # [in, out] -> Linear.weight [out, in]
        # ground.features.N.* -> ground.N.*; head.classifier.K.* -> head.K.*; head.fc.* -> head.*
        state[name.replace("features.", "").replace("classifier.", "").replace("head.fc.", "head.")] = x
    model.load_state_dict(state, strict=True)
    ground = load(spec["ground"]).permute(0, 3, 1, 2)
    aerial = load(spec["aerial"]).permute(0, 3, 1, 2)
    with torch.no_grad():
        g, s = model(ground, aerial)
    with open(out_path, "w") as f:
        json.dump({"g": g.reshape(-1).tolist(), "s": s.reshape(-1).tolist(), "shape": list(g.shape)}, f)


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--forward":
        forward_parity(sys.argv[2], sys.argv[3])
        return
    p = argparse.ArgumentParser()
    p.add_argument("--ground", type=int, nargs=2, default=[112, 616])
    p.add_argument("--aerial", type=int, nargs=2, default=[256, 256])
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--width-divisor", type=int, default=1, help="VGG16 widths divided by this (1: VGG16)")
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--head", choices=["mlp", "fc"], default="mlp")
    p.add_argument("--dim", type=int, default=0, help="descriptor length (0: the head's default)")
    p.add_argument("--count-only", action="store_true")
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    model = SiameseVgg(a.width_divisor, a.dim, a.head)
    ground = torch.rand(a.batch, 3, *a.ground)
    aerial = torch.rand(a.batch, 3, *a.aerial)
    if a.count_only:
        with torch.no_grad():
            g, s = model(ground, aerial)
        print(json.dumps({"params": sum(p.numel() for p in model.parameters()), "descriptor": list(g.shape), "aerialDescriptor": list(s.shape)}))
        return
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)

    times, loss_value = [], float("nan")
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        g, s = model(ground, aerial)
        loss = soft_triplet_thesis(g, s)
        loss.backward()
        opt.step()
        loss_value = loss.item()
        ms = (time.perf_counter() - t0) * 1000
        if i >= a.warmup:
            times.append(ms)
        print(f"torch step {i + 1}/{a.warmup + a.steps}{' (warm-up)' if i < a.warmup else ''}: {ms:.1f} ms",
              file=sys.stderr, flush=True)

    print(json.dumps({
        "backend": "pytorch",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "times": [round(t, 1) for t in times],
        "msPerStep": round(statistics.median(times), 1),
        "params": sum(p.numel() for p in model.parameters()),
        "finalLoss": loss_value,
    }))


if __name__ == "__main__":
    main()
