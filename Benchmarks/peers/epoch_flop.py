#!/usr/bin/env python3
"""Floating-point operations of one epoch of the seed's setup, counted by PyTorch: the numerator of the sgemm floor.

Builds the architecture spec's module (scripts/gcnn_torch.py) and counts, with torch.utils.flop_counter, the
FLOPs (a multiply-add = 2) of one clip's training step (forward + backward; no gradient for the input, as gcnn
skips the first layer's backward data) and of one clip's inference forward pass; the epoch is
train_clips × step + val_clips × forward. Only the matrix products and convolutions count (what the
sgemm rate bounds); elementwise passes, batch norm, pooling and Adam are the memory-bound rest. Prints one JSON object.

    python3 Benchmarks/peers/epoch_flop.py [--arch FILE.json] [--train-clips 1120] [--val-clips 480]

Exits with status 3 and a one-line note when PyTorch is not installed.
"""
import argparse
import json
import os
import sys

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--arch", help="architecture spec JSON (default: the paper's network)")
parser.add_argument("--train-clips", type=int, default=1120)
parser.add_argument("--val-clips", type=int, default=480)
args = parser.parse_args()

try:
    import torch
    from torch.utils.flop_counter import FlopCounterMode
except ImportError as error:
    print(f"epoch_flop.py: skipped, PyTorch is not installed ({error}); `pip install torch`", file=sys.stderr)
    sys.exit(3)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import gcnn_torch  # noqa: E402

spec = json.load(open(args.arch)) if args.arch else gcnn_torch.PAPER_SPEC
net = gcnn_torch.build_module(spec, 1, init="torch")
height, width = spec["input"]
batch = 2  # batch norm needs more than one value per channel in training mode; FLOPs scale with the batch
x = torch.randn(batch, 1, height, width)

net.train()
with FlopCounterMode(display=False) as counter:
    net(x).sum().backward()
step = counter.get_total_flops() / batch
net.eval()
with torch.no_grad(), FlopCounterMode(display=False) as counter:
    net(x)
forward = counter.get_total_flops() / batch

print(json.dumps({"train_step_flop_per_clip": step, "forward_flop_per_clip": forward,
                  "train_clips": args.train_clips, "val_clips": args.val_clips,
                  "epoch_flop": args.train_clips * step + args.val_clips * forward,
                  "torch": torch.__version__}))
