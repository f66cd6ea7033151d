#!/usr/bin/env python3
"""Checks that PyTorch, loading gcnn's model.safetensors with strict=True, computes the same probabilities as gcnn.

Usage: scripts/check_pytorch_checkpoint.py RUN/model.safetensors AUDIO_OR_DIR [--gcnn PATH] [--device cpu]
Needs: pip install torch safetensors numpy. Not run in CI (CI has no torch); the README shows the same loader.
It extracts features with `gcnn features` (so both sides see identical inputs), runs `gcnn predict --json`
on them, runs the PyTorch module below, and compares per-clip probabilities (max |Δ| ≤ 1e-4).
"""
import argparse, json, os, subprocess, sys, tempfile

import numpy as np
import torch
import torch.nn as nn
from safetensors import safe_open
from safetensors.torch import load_file


class PaperCNN(nn.Module):
    """Mersy & Lyk's network in PyTorch's layout: the module gcnn's checkpoints load into."""

    def __init__(self, filters=64, kernel=5, flatten=33280, classes=1):
        super().__init__()
        self.conv1 = nn.Conv2d(1, filters, kernel)
        self.bn1 = nn.BatchNorm2d(filters, eps=1e-3, momentum=0.01)  # Keras' momentum 0.99, epsilon 1e-3
        self.conv2 = nn.Conv2d(filters, filters, kernel)
        self.fc = nn.Linear(flatten, classes)

    def forward(self, x):  # x: [N, 1, 64, frames] log-mel dB
        x = nn.functional.max_pool2d(self.bn1(torch.relu(self.conv1(x))), 2)
        x = nn.functional.max_pool2d(torch.relu(self.conv2(x)), 2)
        return self.fc(x.flatten(1))  # logits


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("audio")
    ap.add_argument("--gcnn", default=".build/release/gcnn")
    ap.add_argument("--device", default="cpu")
    a = ap.parse_args()
    state = load_file(a.model)
    with safe_open(a.model, "pt") as f:
        meta = f.metadata()
    w = state["conv1.weight"]
    net = PaperCNN(filters=w.shape[0], kernel=w.shape[2], flatten=state["fc.weight"].shape[1], classes=state["fc.weight"].shape[0])
    net.load_state_dict(state, strict=True)
    net.eval()
    with tempfile.TemporaryDirectory() as tmp:
        npy = os.path.join(tmp, "features.npy")
        subprocess.run([a.gcnn, "features", a.audio, "-o", npy, "--clip-seconds", meta.get("clip_seconds", "2"),
                        "--clips-per-track", meta.get("clips_per_track", "8")], check=True)
        x = np.load(npy)
        out = subprocess.run([a.gcnn, "predict", "--model", a.model, "--device", a.device, "--json", npy],
                             check=True, capture_output=True, text=True).stdout
    ours = np.array(json.loads(out.splitlines()[0])["clips"])
    with torch.no_grad():
        logits = net(torch.from_numpy(x).unsqueeze(1))
        p = torch.sigmoid(logits)[:, 0] if logits.shape[1] == 1 else torch.softmax(logits, 1)
    theirs = p.numpy()
    if theirs.ndim == 1:
        theirs = np.stack([1 - theirs, theirs], 1)
    err = float(np.abs(theirs - ours).max())
    print(f"{x.shape[0]} clips, max |Δ probability| PyTorch vs gcnn = {err:.2e}")
    sys.exit(0 if err <= 1e-4 else 1)


if __name__ == "__main__":
    main()
