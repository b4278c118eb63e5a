"""PyTorch reference of `cvgl bench --data`: the usual PyTorch input pipeline of the CVGL papers'
code (torch.utils.data.DataLoader with worker processes; PIL decode; torchvision Resize + ToTensor;
optional polar transform is not part of it) over the same CVUSA-layout CSV, same image sizes,
same batch size and worker count. Reports images per second (ground + aerial each count).

Run with Debian's torch: /usr/bin/python3 test/reference/data_pipeline_torch.py --root DIR
  --csv splits/train-19zl.csv --ground 112 616 --aerial 256 --batch 32 --workers 2 --epochs 2
Prints one JSON object on stdout.
"""
import argparse
import json
import os
import sys
import time

import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms


class PairSet(Dataset):
    def __init__(self, root, csv, ground, aerial):
        with open(os.path.join(root, csv)) as f:
            self.rows = [l.strip().split(",") for l in f if l.strip()]
        self.root = root
        self.tg = transforms.Compose([transforms.Resize(tuple(ground)), transforms.ToTensor()])
        self.ta = transforms.Compose([transforms.Resize((aerial, aerial)), transforms.ToTensor()])

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        a, g = self.rows[i][0], self.rows[i][1]
        gi = Image.open(os.path.join(self.root, g)).convert("RGB")
        ai = Image.open(os.path.join(self.root, a)).convert("RGB")
        return self.tg(gi), self.ta(ai)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--root", required=True)
    p.add_argument("--csv", default="splits/train-19zl.csv")
    p.add_argument("--ground", type=int, nargs=2, default=[112, 616])
    p.add_argument("--aerial", type=int, default=256)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--epochs", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(1)
    ds = PairSet(a.root, a.csv, a.ground, a.aerial)
    dl = DataLoader(ds, batch_size=a.batch, shuffle=True, num_workers=a.workers, drop_last=True,
                    persistent_workers=a.workers > 0, generator=torch.Generator().manual_seed(0))
    epochs = []
    for e in range(a.epochs):
        t = time.perf_counter()
        n = 0
        for g, s in dl:
            n += g.shape[0] + s.shape[0]
        dt = time.perf_counter() - t
        epochs.append({"seconds": dt, "images": n, "images_per_s": n / dt})
        print(f"epoch {e}: {n / dt:.1f} images/s", file=sys.stderr)
    print(json.dumps({"torch": torch.__version__, "workers": a.workers, "epochs": epochs}))


if __name__ == "__main__":
    main()
