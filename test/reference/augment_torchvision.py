"""torchvision reference for the deterministic image ops of `lib/data/image_ops.ts`.

Written for this project. Run with Debian's torch/torchvision (/usr/bin/python3, or CVGL_PYTHON):

    /usr/bin/python3 test/reference/augment_torchvision.py SPEC.json OUTDIR

SPEC.json:
    {"images": {"NAME": {"file": "x.f32", "height": H, "width": W}, ...},
     "cases": [{"image": "NAME", "op": "adjust_hue", "args": {"hue_factor": -0.3}}, ...]}
Image files are raw little-endian float32, HWC, 3 channels (paths relative to SPEC.json's folder).
Each case's result is written to OUTDIR/case_<index>.f32 in the same layout; stdout gets one JSON
list with the [height, width] of every result. Every op runs through
torchvision.transforms.functional on a float32 CHW tensor.
"""
import json
import os
import sys

import numpy as np
import torch
import torchvision.transforms.functional as F
from torchvision.transforms import InterpolationMode


def load(path: str, h: int, w: int) -> torch.Tensor:
    a = np.fromfile(path, dtype="<f4")
    if a.size != h * w * 3:
        raise SystemExit(f"{path}: expected {h}x{w}x3 float32 values, found {a.size}")
    return torch.from_numpy(a.reshape(h, w, 3).copy()).permute(2, 0, 1).contiguous()


def apply(img: torch.Tensor, op: str, a: dict) -> torch.Tensor:
    if op == "adjust_brightness":
        return F.adjust_brightness(img, a["factor"])
    if op == "adjust_contrast":
        return F.adjust_contrast(img, a["factor"])
    if op == "adjust_saturation":
        return F.adjust_saturation(img, a["factor"])
    if op == "adjust_hue":
        return F.adjust_hue(img, a["factor"])
    if op == "rgb_to_grayscale":
        return F.rgb_to_grayscale(img, num_output_channels=3)
    if op == "gaussian_blur":
        return F.gaussian_blur(img, kernel_size=a["kernel_size"], sigma=a["sigma"])
    if op == "resized_crop":
        return F.resized_crop(img, a["top"], a["left"], a["height"], a["width"], a["size"],
                              interpolation=InterpolationMode.BILINEAR, antialias=False)
    if op == "resize":
        return F.resize(img, a["size"], interpolation=InterpolationMode.BILINEAR, antialias=False)
    if op == "crop":
        return F.crop(img, a["top"], a["left"], a["height"], a["width"])
    if op == "hflip":
        return F.hflip(img)
    raise SystemExit(f"unknown op {op!r}")


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit("usage: augment_torchvision.py SPEC.json OUTDIR")
    spec_path, out_dir = sys.argv[1], sys.argv[2]
    base = os.path.dirname(os.path.abspath(spec_path))
    with open(spec_path) as f:
        spec = json.load(f)
    images = {k: load(os.path.join(base, v["file"]), v["height"], v["width"]) for k, v in spec["images"].items()}
    shapes = []
    with torch.no_grad():
        for i, case in enumerate(spec["cases"]):
            out = apply(images[case["image"]], case["op"], case.get("args", {}))
            out = out.to(torch.float32).permute(1, 2, 0).contiguous()
            out.numpy().astype("<f4").tofile(os.path.join(out_dir, f"case_{i}.f32"))
            shapes.append([out.shape[0], out.shape[1]])
    print(json.dumps(shapes))


if __name__ == "__main__":
    main()
