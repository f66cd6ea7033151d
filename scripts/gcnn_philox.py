#!/usr/bin/env python3
"""gcnn's dropout mask in numpy: Philox4x32-10 (Salmon et al. 2011, Random123 constants), as
Sources/Model/Philox.swift and Sources/Kernels/cl/dropout.cl compute it, so PyTorch fixtures can use
the masks gcnn draws.

Element i (i < 2**32) of the mask of (seed, layer, step): word 0 of Philox4x32-10 with key
(seed & 0xffffffff, seed >> 32) and counter (i, layer, step & 0xffffffff, step >> 32);
u = (word0 >> 8) * 2**-24; kept iff u >= rate. Kept elements are scaled by
float32(1) / (float32(1) - float32(rate)).

Run as a script to (re)write the committed fixture Tests/ModelTests/Fixtures/dropout_mask.json.
"""
import json
import os
import sys

import numpy as np

M0, M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
W0, W1 = np.uint32(0x9E3779B9), np.uint32(0xBB67AE85)
MASK32 = np.uint64(0xFFFFFFFF)


def philox4x32_10(c0, c1, c2, c3, k0, k1):
    """The four output words for counters (arrays or scalars of uint32) under key (k0, k1)."""
    c0, c1, c2, c3 = (np.asarray(c, dtype=np.uint32) for c in (c0, c1, c2, c3))
    c0, c1, c2, c3 = np.broadcast_arrays(c0, c1, c2, c3)
    k0, k1 = np.uint32(k0), np.uint32(k1)
    with np.errstate(over="ignore"):
        for r in range(10):
            if r > 0:
                k0 = np.uint32(k0 + W0)
                k1 = np.uint32(k1 + W1)
            p0 = M0 * c0.astype(np.uint64)
            p1 = M1 * c2.astype(np.uint64)
            c0, c1, c2, c3 = (
                (p1 >> np.uint64(32)).astype(np.uint32) ^ c1 ^ k0,
                (p1 & MASK32).astype(np.uint32),
                (p0 >> np.uint64(32)).astype(np.uint32) ^ c3 ^ k1,
                (p0 & MASK32).astype(np.uint32),
            )
    return c0, c1, c2, c3


def dropout_uniform(seed, layer, step, count):
    """u[i] in [0, 1) as float32 for i < count."""
    i = np.arange(count, dtype=np.uint64).astype(np.uint32)
    seed, step = int(seed), int(step)
    word0 = philox4x32_10(i, np.uint32(layer), np.uint32(step & 0xFFFFFFFF), np.uint32(step >> 32),
                          seed & 0xFFFFFFFF, seed >> 32)[0]
    return (word0 >> np.uint32(8)).astype(np.float32) * np.float32(2.0 ** -24)


def dropout_keep(seed, layer, step, count, rate) -> np.ndarray:
    """The keep mask (bool array of `count`) of dropout at `rate` for (seed, layer, step)."""
    return dropout_uniform(seed, layer, step, count) >= np.float32(rate)


def dropout_scale(rate):
    """The factor kept elements are multiplied by, computed in float32."""
    return np.float32(1) / (np.float32(1) - np.float32(rate))


KNOWN_ANSWERS = [  # Random123 kat_vectors, philox4x32 10: counter, key, output
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]

FIXTURE_CASES = [  # seed, layer, step, count, rate
    (0, 0, 0, 64, 0.5),
    (42, 3, 1, 257, 0.25),
    (0x0123456789ABCDEF, 7, 0x1_0000_0003, 100, 0.9),
    (2**64 - 1, 0xFFFFFFFF, 2**64 - 1, 33, 0.1),
    (7, 1, 12345, 50, 0.0),
]


def main():
    for counter, key, expected in KNOWN_ANSWERS:
        got = tuple(int(w) for w in philox4x32_10(*counter, *key))
        if got != expected:
            sys.exit(f"philox4x32_10{counter, key} = {[hex(w) for w in got]}, expected {[hex(w) for w in expected]}")
    cases = []
    for seed, layer, step, count, rate in FIXTURE_CASES:
        keep = dropout_keep(seed, layer, step, count, rate)
        cases.append({"seed": str(seed), "layer": layer, "step": str(step), "count": count, "rate": rate,
                      "keep": "".join("1" if k else "0" for k in keep)})
    path = os.path.join(os.path.dirname(__file__), "..", "Tests", "ModelTests", "Fixtures", "dropout_mask.json")
    with open(path, "w") as f:
        json.dump({"generator": "scripts/gcnn_philox.py", "cases": cases}, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.normpath(path)} ({len(cases)} cases); known answers ok")


if __name__ == "__main__":
    main()
