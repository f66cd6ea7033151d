#!/usr/bin/env python3
"""Train the seed's own Keras model on features gcnn wrote, to compare gcnn's validation curves with Keras'.

    gcnn features DIR -o feats.npy          # DIR: a GTZAN-layout folder (e.g. the built-in corpus)
    scripts/keras_crosscheck.py feats.npy --task metal-jazz --bn-momentum 0.99 0.9 --seeds 0 1 2

Needs `pip install tensorflow` (Keras 3). The model, optimiser, batch size and epochs are the seed's
(Conv2D(64,5,relu) → BatchNormalization() → MaxPool2D → Conv2D(64,5,relu) → MaxPool2D → Flatten →
Dense(1,sigmoid); BCE; Adam 1e-3; batch 32; 2 epochs). The split is either the seed's
(`keras-tail`: genre A's clips then genre B's, `validation_split=0.3`) or a stratified split by track
(30 % of each genre's tracks, seeded) like gcnn's default; Keras' own random streams differ from gcnn's,
so runs agree in distribution, not bit for bit. Prints one JSON line per run and epoch.
"""
import argparse
import json
import os
import sys

import numpy as np


def load(npy, task):
    a, b = task.split("-")
    x = np.load(npy)
    rows = json.load(open(os.path.splitext(npy)[0] + ".json"))["rows"]
    genre = np.array([r["genre"] for r in rows])
    track = np.array([r["file"] for r in rows])
    for g in (a, b):
        if not (genre == g).any():
            sys.exit(f"{npy}: no clips of genre {g!r}; write features of a folder holding {a}/ and {b}/")
    order = np.concatenate([np.flatnonzero(genre == a), np.flatnonzero(genre == b)])  # A then B, as the seed
    return x[order], (genre[order] == b).astype(np.float32), track[order]


def stratified(y, track, seed, fraction=0.3):
    rng = np.random.default_rng(seed)
    val = np.zeros(len(y), bool)
    for label in (0, 1):
        tracks = np.unique(track[y == label])
        rng.shuffle(tracks)
        chosen = set(tracks[: int(round(fraction * len(tracks)))])
        val |= np.array([t in chosen for t in track]) & (y == label)
    return ~val, val


def model(keras, momentum):
    return keras.Sequential([
        keras.Input((64, 173, 1)),
        keras.layers.Conv2D(64, 5, activation="relu"),
        keras.layers.BatchNormalization(momentum=momentum),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(64, 5, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(1, activation="sigmoid"),
    ])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("features")
    p.add_argument("--task", default="metal-jazz")
    p.add_argument("--split", choices=["stratified", "keras-tail"], default="stratified")
    p.add_argument("--bn-momentum", type=float, nargs="+", default=[0.99])
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    import keras
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    x, y, track = load(args.features, args.task)
    x = x[..., None]
    for momentum in args.bn_momentum:
        for seed in args.seeds:
            keras.utils.set_random_seed(seed)
            m = model(keras, momentum)
            m.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy", metrics=["accuracy"])
            if args.split == "keras-tail":
                fit = dict(x=x, y=y, validation_split=0.3)
            else:
                tr, va = stratified(y, track, seed)
                fit = dict(x=x[tr], y=y[tr], validation_data=(x[va], y[va]))
            h = m.fit(**fit, batch_size=32, epochs=args.epochs, shuffle=True, verbose=0)
            for e in range(args.epochs):
                print(json.dumps({"task": args.task, "split": args.split, "bn_momentum": momentum, "seed": seed,
                                  "epoch": e + 1, "train_acc": round(h.history["accuracy"][e], 4),
                                  "val_acc": round(h.history["val_accuracy"][e], 4),
                                  "val_loss": round(h.history["val_loss"][e], 4)}), flush=True)


if __name__ == "__main__":
    main()
