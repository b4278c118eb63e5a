"""Reference for test/models/weights.test.ts: torchvision's VGG16 `features`, its weights in a
safetensors file and its outputs on a fixed input.

Run with Debian's torch/torchvision: /usr/bin/python3 test/reference/vgg16_torch.py OUT_DIR [--seed 7]
  [--height 32 --width 48]
Writes to OUT_DIR:
  vgg16_features.safetensors  features' state dict (torchvision names, OIHW, F32), written by the
                              small writer below (Debian has no python3-safetensors)
  input.f32                   the input, NCHW [1, 3, H, W], raw little-endian float32
  pool5.f32 conv5_3.f32 pool4.f32
                              features(x), features[:30](x) (conv5_3 + ReLU), features[:24](x)
                              (pool4), each NCHW raw float32
Prints one JSON line on stdout: the shapes of what it wrote.
"""
import argparse
import json
import os
import struct
import sys

import torch
import torchvision


def write_safetensors(path, tensors, metadata=None):
    """The safetensors layout: u64 LE header length, JSON header, raw LE data (F32 only)."""
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, t in tensors.items():
        data = t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)


def raw(path, t):
    with open(path, "wb") as f:
        f.write(t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--height", type=int, default=32)
    ap.add_argument("--width", type=int, default=48)
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(2)
    model = torchvision.models.vgg16(weights=None).eval()
    features = model.features
    # torchvision initialises biases to zero; random biases make the test see them
    with torch.no_grad():
        for m in features:
            if isinstance(m, torch.nn.Conv2d):
                m.bias.uniform_(-0.05, 0.05)
    os.makedirs(a.out, exist_ok=True)
    sd = {f"features.{k}": v for k, v in features.state_dict().items()}
    write_safetensors(os.path.join(a.out, "vgg16_features.safetensors"), sd, {"format": "pt", "producer": "vgg16_torch.py"})
    x = torch.randn(1, 3, a.height, a.width)
    raw(os.path.join(a.out, "input.f32"), x)
    shapes = {"input": list(x.shape)}
    with torch.no_grad():
        for name, stop in (("pool5", 31), ("conv5_3", 30), ("pool4", 24)):
            y = features[:stop](x)
            raw(os.path.join(a.out, f"{name}.f32"), y)
            shapes[name] = list(y.shape)
    print(json.dumps(shapes))


if __name__ == "__main__":
    sys.exit(main())
