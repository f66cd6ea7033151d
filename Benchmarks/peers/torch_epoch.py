#!/usr/bin/env python3
"""PyTorch eager peer of `gcnn bench epoch`: the seed's model in NCHW, a plain training loop, timed per epoch.

The network is an architecture spec (`--arch FILE.json`, built by scripts/gcnn_torch.py with PyTorch's
default initialisation and one output), by default the paper's: Conv2d(1, 64, 5) + ReLU -> BatchNorm2d(64)
(Keras' momentum 0.99, eps 1e-3) -> MaxPool2d(2) -> Conv2d(64, 64, 5) + ReLU -> MaxPool2d(2) -> Flatten ->
Linear(33 280, 1); sigmoid + binary cross-entropy (BCEWithLogitsLoss), Adam(1e-3), batch 32; each epoch
shuffles 1 120 random training clips (of the spec's input size) by index, then evaluates 480 validation
clips under no_grad in eval mode. `--warmup` untimed epochs, then `--epochs` timed ones. Prints one JSON
object: per-epoch wall-clock and processor seconds and their medians.

    python3 Benchmarks/peers/torch_epoch.py [--arch FILE.json] [--threads 2] [--epochs 3] [--warmup 1]
                                            [--channels-last] [--device cuda]

Exits with status 3 and a one-line note when PyTorch is not installed.
"""
import argparse
import json
import os
import statistics
import sys
import time

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (and OMP threads)")
parser.add_argument("--epochs", type=int, default=3, help="timed epochs (the median is reported)")
parser.add_argument("--warmup", type=int, default=1, help="untimed epochs first")
parser.add_argument("--train-clips", type=int, default=1120)
parser.add_argument("--val-clips", type=int, default=480)
parser.add_argument("--batch-size", type=int, default=32)
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--channels-last", action="store_true", help="NHWC memory format (default: NCHW)")
parser.add_argument("--device", default="cpu", help="cpu, or cuda where PyTorch has a GPU")
parser.add_argument("--arch", help="architecture spec JSON (default: the paper's network)")
args = parser.parse_args()

os.environ["OMP_NUM_THREADS"] = str(args.threads)
try:
    import torch
    from torch import nn
except ImportError as error:
    print(f"torch_epoch.py: skipped, PyTorch is not installed ({error}); `pip install torch`", file=sys.stderr)
    sys.exit(3)

torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)
device = torch.device(args.device)


def sync():
    if device.type == "cuda":
        torch.cuda.synchronize()


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import gcnn_torch  # noqa: E402

if args.arch:
    with open(args.arch) as f:
        spec = json.load(f)
else:
    spec = gcnn_torch.PAPER_SPEC


def model():
    return gcnn_torch.build_module(spec, 1, init="torch")


def main():
    fmt = torch.channels_last if args.channels_last else torch.contiguous_format
    generator = torch.Generator().manual_seed(args.seed)
    n = args.train_clips + args.val_clips
    height, width = spec["input"]
    x = torch.randn(n, 1, height, width, generator=generator)
    y = (torch.arange(n) % 2)[torch.randperm(n, generator=generator)].float()
    x, y = x.to(device).contiguous(memory_format=fmt), y.to(device)
    train_x, train_y = x[:args.train_clips], y[:args.train_clips]
    val_x, val_y = x[args.train_clips:], y[args.train_clips:]
    net = model().to(device).to(memory_format=fmt)
    optimiser = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.BCEWithLogitsLoss()
    b = args.batch_size

    def epoch():
        sync()
        start, cpu_start = time.perf_counter(), time.process_time()
        net.train()
        order = torch.randperm(args.train_clips, generator=generator).to(device)
        total = torch.zeros((), device=device)
        for i in range(0, args.train_clips, b):
            idx = order[i:i + b]
            optimiser.zero_grad(set_to_none=True)
            loss = loss_fn(net(train_x[idx]).squeeze(1), train_y[idx])
            loss.backward()
            optimiser.step()
            total += loss.detach() * len(idx)
        train_loss = float(total) / args.train_clips
        sync()
        middle = time.perf_counter()
        net.eval()
        with torch.no_grad():
            val_total = torch.zeros((), device=device)
            for i in range(0, args.val_clips, b):
                val_total += loss_fn(net(val_x[i:i + b]).squeeze(1), val_y[i:i + b]) * len(val_y[i:i + b])
            float(val_total)
        sync()
        end = time.perf_counter()
        return {"train_seconds": middle - start, "validation_seconds": end - middle, "seconds": end - start,
                "cpu_seconds": time.process_time() - cpu_start, "train_loss": train_loss}

    warmup = [epoch() for _ in range(args.warmup)]
    timed = [epoch() for _ in range(args.epochs)]
    print(json.dumps({
        "peer": "torch-eager" + ("-channels-last" if args.channels_last else ""),
        "versions": {"torch": torch.__version__},
        "arch": spec.get("name", args.arch), "input": spec["input"],
        "threads": args.threads, "device": args.device,
        "train_clips": args.train_clips, "val_clips": args.val_clips, "batch_size": b,
        "warmup": warmup, "epochs": timed,
        "median_train_seconds": statistics.median(e["train_seconds"] for e in timed),
        "median_validation_seconds": statistics.median(e["validation_seconds"] for e in timed),
        "median_epoch_seconds": statistics.median(e["seconds"] for e in timed),
        "median_epoch_cpu_seconds": statistics.median(e["cpu_seconds"] for e in timed),
    }))


if __name__ == "__main__":
    main()
