#!/usr/bin/env python3
"""How far a random crop of a whole-track log-mel is from the same 2-s clip computed alone (librosa 0.11).

gcnn's --random-crop takes frame-aligned windows of the whole track's power_to_db(melspectrogram(y), top_db=None)
and floors each window at its own maximum - top_db. A clip computed alone (the fixed clips, and what a window
"is") differs in two ways: its STFT frames near the clip's edges see zero padding instead of the neighbouring
audio, and its top_db floor is relative to its own maximum. This script measures both, for gcnn's per-window
floor and for the alternative (a window of the whole track's power_to_db with top_db=80, floored at the
track's maximum - 80), over `--crops` random windows of each of `--tracks` tracks per genre.

usage: scripts/crop_vs_clip.py [DATA_DIR] [--tracks 10] [--crops 8] [--seed 0]
DATA_DIR defaults to the built-in corpus (~/.cache/gcnn/synthetic-v1-seed0-100x30s).
"""
import argparse, glob, os
import numpy as np
import librosa

SR, NFFT, HOP, MELS, CLIP, TOPDB = 22050, 512, 256, 64, 44100, 80.0

def logmel(y, top_db):
    return librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=SR, n_fft=NFFT, hop_length=HOP, n_mels=MELS),
                               top_db=top_db)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data", nargs="?", default=os.path.expanduser("~/.cache/gcnn/synthetic-v1-seed0-100x30s"))
    ap.add_argument("--tracks", type=int, default=10)
    ap.add_argument("--crops", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    frames = 1 + CLIP // HOP
    stats = {k: [] for k in ("window floor", "track floor")}
    interior = {k: [] for k in stats}
    floored = {k: [] for k in stats}
    for genre in sorted(os.listdir(a.data)):
        files = sorted(glob.glob(os.path.join(a.data, genre, "*.wav")) + glob.glob(os.path.join(a.data, genre, "*.au")))
        for path in files[:a.tracks]:
            y, _ = librosa.load(path, sr=SR, mono=True)
            raw = logmel(y, None)
            whole80 = logmel(y, TOPDB)
            for start in rng.integers(0, raw.shape[1] - frames + 1, size=a.crops):
                alone = logmel(y[start * HOP:start * HOP + CLIP], TOPDB)
                w = raw[:, start:start + frames]
                crops = {"window floor": np.maximum(w, w.max() - TOPDB), "track floor": whole80[:, start:start + frames]}
                for k, c in crops.items():
                    d = np.abs(c.astype(np.float64) - alone)
                    stats[k].append(d)
                    interior[k].append(d[:, 2:-2])
                    floored[k].append(np.mean(c <= c.min() + 1e-6))
    n = len(stats["window floor"])
    print(f"{n} windows of {MELS}x{frames} from {n // a.crops} tracks of {a.data}")
    for k in stats:
        d = np.stack(stats[k]); i = np.stack(interior[k])
        print(f"{k:13s}: max |diff| {d.max():.3f} dB, mean {d.mean():.4f} dB, 99.9th pct {np.percentile(d, 99.9):.3f} dB; "
              f"frames 2..{frames - 3} (no edge padding): max {i.max():.3f}, mean {i.mean():.5f} dB; "
              f"share of values at the floor {np.mean(floored[k]):.4f}")

if __name__ == "__main__":
    main()
