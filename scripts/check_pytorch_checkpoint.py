#!/usr/bin/env python3
"""Checks that PyTorch, loading gcnn's model.safetensors with strict=True, computes the same probabilities as gcnn.

Usage: scripts/check_pytorch_checkpoint.py RUN/model.safetensors AUDIO_OR_DIR [--gcnn PATH] [--device cpu]
Needs: pip install torch safetensors numpy. Not run in CI (CI has no torch); the README shows the same loader.
The network comes from the checkpoint's `architecture` metadata through scripts/gcnn_torch.py (any spec; a
checkpoint without one is the paper's network). It extracts features with `gcnn features` (so both sides
see identical inputs), runs `gcnn predict --json` on them, runs the PyTorch module, and compares per-clip
probabilities (max |Δ| ≤ 1e-4).
"""
import argparse, json, os, subprocess, sys, tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gcnn_torch  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("audio")
    ap.add_argument("--gcnn", default=".build/release/gcnn")
    ap.add_argument("--device", default="cpu")
    a = ap.parse_args()
    net, meta = gcnn_torch.load_checkpoint(a.model)
    print(f"architecture {net.spec.get('name', '(unnamed)')}: input {net.spec['input']}, {net.classes} output(s)")
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
