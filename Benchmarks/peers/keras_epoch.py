#!/usr/bin/env python3
"""Keras 3 on TensorFlow peer of `gcnn bench epoch`: the seed's exact model and fit call, timed per epoch.

By default the seed's model: Conv2D(64, 5, relu) -> BatchNormalization() -> MaxPool2D -> Conv2D(64, 5, relu)
-> MaxPool2D -> Flatten -> Dense(1, sigmoid); `--arch FILE.json` builds an architecture spec's network as a
Sequential instead (Conv2D with the spec's padding, BatchNormalization(momentum, epsilon), ReLU,
MaxPooling2D/AveragePooling2D(pool_size, strides), GlobalMax/AveragePooling2D, Dropout, Flatten (also
before a dense that meets a 4-D tensor), Dense; the head Dense(1, sigmoid)). Binary cross-entropy,
Adam(1e-3), batch 32, channels-last H×W×1 input of the spec's size (64×173); one `model.fit` over 1 120
random training clips with validation on 480, `--warmup` untimed epochs then `--epochs` timed ones. A callback splits each epoch into its training and validation passes (an epoch's
`seconds` also counts Keras' own end-of-epoch work) and records processor time (all threads). Prints one
JSON object: per-epoch seconds and their medians.

    python3 Benchmarks/peers/keras_epoch.py [--arch FILE.json] [--threads 2] [--epochs 3] [--warmup 1]

Exits with status 3 and a one-line note when TensorFlow or Keras is not installed.
"""
import argparse
import json
import os
import statistics
import sys
import time

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--threads", type=int, default=2, help="intra- and inter-op threads (and OMP threads)")
parser.add_argument("--epochs", type=int, default=3, help="timed epochs (the median is reported)")
parser.add_argument("--warmup", type=int, default=1, help="untimed epochs first (tracing, oneDNN primitive caches)")
parser.add_argument("--train-clips", type=int, default=1120)
parser.add_argument("--val-clips", type=int, default=480)
parser.add_argument("--batch-size", type=int, default=32)
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--arch", help="architecture spec JSON (default: the seed's network)")
args = parser.parse_args()

# Thread counts must be fixed before TensorFlow starts its pools.
for var in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
    os.environ[var] = str(args.threads)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

try:
    import numpy as np
    import tensorflow as tf
    import keras
except ImportError as error:
    print(f"keras_epoch.py: skipped, TensorFlow/Keras is not installed ({error}); `pip install tensorflow`", file=sys.stderr)
    sys.exit(3)

tf.config.threading.set_intra_op_parallelism_threads(args.threads)
tf.config.threading.set_inter_op_parallelism_threads(args.threads)
keras.utils.set_random_seed(args.seed)


def model():
    """The seed's network, as its Keras code builds it."""
    m = keras.Sequential([
        keras.Input(shape=(64, 173, 1)),
        keras.layers.Conv2D(64, 5, activation="relu"),
        keras.layers.BatchNormalization(),
        keras.layers.MaxPool2D(),
        keras.layers.Conv2D(64, 5, activation="relu"),
        keras.layers.MaxPool2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    m.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy", metrics=["accuracy"])
    return m


def spec_model(spec):
    """The network of an architecture spec (scripts/gcnn_torch.py describes the format) with one sigmoid output."""
    layers, rank = [keras.Input(shape=(*spec["input"], 1))], 4
    last = len(spec["layers"]) - 1
    for i, layer in enumerate(spec["layers"]):
        kind = layer["type"]
        if kind == "conv2d":
            layers.append(keras.layers.Conv2D(layer["filters"], layer["kernel"], padding=layer.get("padding", "valid"),
                                              activation=layer.get("activation")))
        elif kind == "batchnorm":
            layers.append(keras.layers.BatchNormalization(momentum=layer.get("momentum", 0.99),
                                                          epsilon=layer.get("epsilon", 0.001)))
        elif kind == "relu":
            layers.append(keras.layers.ReLU())
        elif kind in ("maxpool", "avgpool"):
            pool = keras.layers.MaxPooling2D if kind == "maxpool" else keras.layers.AveragePooling2D
            layers.append(pool(pool_size=layer["size"], strides=layer.get("stride", layer["size"])))
        elif kind in ("globalmaxpool", "globalavgpool"):
            pool = keras.layers.GlobalMaxPooling2D if kind == "globalmaxpool" else keras.layers.GlobalAveragePooling2D
            layers.append(pool())
            rank = 2
        elif kind == "dropout":
            layers.append(keras.layers.Dropout(layer["rate"]))
        elif kind == "flatten":
            layers.append(keras.layers.Flatten())
            rank = 2
        elif kind == "dense":
            if rank == 4:
                layers.append(keras.layers.Flatten())
                rank = 2
            if i == last:
                layers.append(keras.layers.Dense(1, activation="sigmoid"))
            else:
                layers.append(keras.layers.Dense(layer["units"], activation=layer.get("activation")))
        else:
            raise SystemExit(f"keras_epoch.py: layers[{i}]: unknown type {kind!r}")
    m = keras.Sequential(layers)
    m.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy", metrics=["accuracy"])
    return m


class EpochTimer(keras.callbacks.Callback):
    """Wall-clock seconds of each epoch's training pass (epoch start to validation start) and validation pass."""

    def __init__(self):
        super().__init__()
        self.epochs = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()
        self.cpu_start = time.process_time()
        self.val_start = self.val_end = None

    def on_test_begin(self, logs=None):
        self.val_start = time.perf_counter()

    def on_test_end(self, logs=None):
        self.val_end = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        end = time.perf_counter()
        cpu = time.process_time() - self.cpu_start
        total = end - self.start
        if self.val_start is not None and self.val_end is not None:
            train, val = self.val_start - self.start, self.val_end - self.val_start
        else:  # a Keras that does not report validation to callbacks: whole epochs only
            train, val = None, None
        self.epochs.append({"train_seconds": train, "validation_seconds": val, "seconds": total, "cpu_seconds": cpu,
                            "train_loss": float(logs["loss"]) if logs and "loss" in logs else None})


def main():
    spec = None
    if args.arch:
        with open(args.arch) as f:
            spec = json.load(f)
    height, width = spec["input"] if spec else (64, 173)
    rng = np.random.default_rng(args.seed)
    n = args.train_clips + args.val_clips
    x = rng.standard_normal((n, height, width, 1), dtype=np.float32)
    y = rng.permutation(np.arange(n) % 2).astype(np.float32)
    m = spec_model(spec) if spec else model()
    timer = EpochTimer()
    m.fit(x[:args.train_clips], y[:args.train_clips], batch_size=args.batch_size,
          epochs=args.warmup + args.epochs, validation_data=(x[args.train_clips:], y[args.train_clips:]),
          shuffle=True, verbose=0, callbacks=[timer])
    timed = timer.epochs[args.warmup:]

    def median(key):
        values = [e[key] for e in timed]
        return None if any(v is None for v in values) else statistics.median(values)

    print(json.dumps({
        "peer": "keras-tf",
        "arch": spec.get("name", args.arch) if spec else "paper", "input": [height, width],
        "versions": {"keras": keras.__version__, "tensorflow": tf.__version__},
        "threads": args.threads,
        "train_clips": args.train_clips, "val_clips": args.val_clips, "batch_size": args.batch_size,
        "warmup": timer.epochs[:args.warmup], "epochs": timed,
        "median_train_seconds": median("train_seconds"),
        "median_validation_seconds": median("validation_seconds"),
        "median_epoch_seconds": median("seconds"),
        "median_epoch_cpu_seconds": median("cpu_seconds"),
    }))


if __name__ == "__main__":
    main()
