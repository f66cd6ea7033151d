#!/usr/bin/env python3
"""Separability proxy for the synthetic corpus (`gcnn synth`), before the real CNN exists.

For every genre pair, cuts each track into non-overlapping 2-s clips, computes the paper's log-mel
(librosa: n_fft 512, hop 256, 64 mel bands, power_to_db ref 1 top_db 80) and trains two quick
classifiers with a split by *track* (no clip of a test track is seen in training):
  * "stats": logistic regression on per-band mean and std of the log-mel (128 features);
  * "full":  logistic regression on the whole standardised 64x173 log-mel image.
Prints held-out clip accuracy per pair. Usage:
  gcnn synth -o /tmp/synth --tracks-per-genre 20 --seed 1
  python3 scripts/synth_separability.py /tmp/synth [--pairs all|paper]
Needs librosa and scikit-learn (pip install scikit-learn).
"""
import argparse
import itertools
import os
import sys

import librosa
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

GENRES = "blues classical country disco hiphop jazz metal pop reggae rock".split()
PAPER = [("hiphop", "classical"), ("metal", "jazz"), ("pop", "hiphop"), ("rock", "country")]


def clips_of(path, seconds=2.0, sr=22050):
    y, _ = librosa.load(path, sr=sr, mono=True)
    n = int(seconds * sr)
    out = []
    for k in range(len(y) // n):
        c = y[k * n:(k + 1) * n]
        m = librosa.feature.melspectrogram(y=c, sr=sr, n_fft=512, hop_length=256, n_mels=64)
        out.append(librosa.power_to_db(m, ref=1.0, amin=1e-10, top_db=80.0).astype(np.float32))
    return out


def load(root, genre):
    d = os.path.join(root, genre)
    files = sorted(f for f in os.listdir(d) if f.endswith(".wav"))
    return [clips_of(os.path.join(d, f)) for f in files]


def evaluate(a, b, feats):
    n = min(len(a), len(b))
    cut = int(round(n * 0.7))
    def stack(tracks, label, sl):
        X = [c for t in tracks[sl] for c in t]
        return X, [label] * len(X)
    xa, ya = stack(a, 0, slice(0, cut)); xb, yb = stack(b, 1, slice(0, cut))
    ta, tya = stack(a, 0, slice(cut, n)); tb, tyb = stack(b, 1, slice(cut, n))
    res = {}
    for name, f in feats.items():
        Xtr = np.array([f(c) for c in xa + xb]); ytr = np.array(ya + yb)
        Xte = np.array([f(c) for c in ta + tb]); yte = np.array(tya + tyb)
        clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=0.05))
        clf.fit(Xtr, ytr)
        res[name] = clf.score(Xte, yte)
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("--pairs", default="all", choices=["all", "paper"])
    args = ap.parse_args()
    data = {g: load(args.root, g) for g in GENRES}
    feats = {
        "stats": lambda c: np.concatenate([c.mean(axis=1), c.std(axis=1)]),
        "full": lambda c: c.reshape(-1),
    }
    pairs = PAPER if args.pairs == "paper" else PAPER + [p for p in itertools.combinations(GENRES, 2)
                                                         if p not in PAPER and p[::-1] not in PAPER]
    print(f"{'pair':<22} {'stats':>6} {'full':>6}")
    for i, (a, b) in enumerate(pairs):
        r = evaluate(data[a], data[b], feats)
        tag = "  <- paper " + ("distinct" if i < 2 else "similar") if i < 4 else ""
        print(f"{a + '-' + b:<22} {r['stats']:6.3f} {r['full']:6.3f}{tag}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
