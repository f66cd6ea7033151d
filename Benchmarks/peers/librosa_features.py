#!/usr/bin/env python3
"""librosa 0.11 peer of features-benchmark: power_to_db(melspectrogram(y, sr=22050, n_fft=512,
hop_length=256, n_mels=64)) on 30-s tracks and 2-s clips, one process per core (BLAS threads pinned
to 1), median of R timed runs after one warm-up. Prints the same lines as the Swift benchmark.

    python3 Benchmarks/peers/librosa_features.py [--processes N] [--repeats R] [--tracks T] [--clips C]
"""
import argparse
import multiprocessing as mp
import os
import statistics
import time

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import numpy as np  # noqa: E402

SR = 22050


def signal(seconds, seed):
    """Three tones and noise, as the Swift benchmark's inputs (content does not change the work)."""
    t = np.arange(int(seconds * SR)) / SR
    noise = np.random.default_rng(seed).uniform(-1, 1, len(t))
    return (0.3 * np.sin(2 * np.pi * 220 * t) + 0.2 * np.sin(2 * np.pi * 1330 * t)
            + 0.1 * np.sin(2 * np.pi * 5100 * t) + 0.05 * noise).astype(np.float32)


def work(args):
    seconds, count = args
    import librosa
    y = signal(seconds, 0)
    cpu = time.process_time()
    for _ in range(count):
        librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=SR, n_fft=512, hop_length=256, n_mels=64))
    return time.process_time() - cpu


def throughput(pool, processes, seconds, count, repeats):
    per = [count // processes + (1 if i < count % processes else 0) for i in range(processes)]
    pool.map(work, [(seconds, 1)] * processes)  # warm-up: imports and caches in every worker
    rates, cpus = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        cpu = sum(pool.map(work, [(seconds, n) for n in per]))
        rates.append(count / (time.perf_counter() - start))
        cpus.append(cpu / count * 1e6)
    return statistics.median(rates), statistics.median(cpus)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--processes", type=int, default=os.cpu_count())
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--tracks", type=int, default=None)
    ap.add_argument("--clips", type=int, default=None)
    a = ap.parse_args()
    tracks = a.tracks or 8 * a.processes
    clips = a.clips or 64 * a.processes
    import librosa
    print(f"librosa {librosa.__version__} features peer: {a.processes} process(es), median of {a.repeats} runs")
    with mp.get_context("fork").Pool(a.processes) as pool:
        t, tc = throughput(pool, a.processes, 30, tracks, a.repeats)
        print(f"librosa tracks_per_s {t:.1f}  (30-s tracks, {tracks} per run; {tc:.0f} CPU µs per track)")
        c, cc = throughput(pool, a.processes, 2, clips, a.repeats)
        print(f"librosa clips_per_s {c:.1f}  (2-s clips, {clips} per run; {cc:.0f} CPU µs per clip)")


if __name__ == "__main__":
    main()
