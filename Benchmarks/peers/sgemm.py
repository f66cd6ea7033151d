#!/usr/bin/env python3
"""The machine's sgemm GFLOP/s at a fixed thread count: the yardstick of the conv kernels' target.

Times C = A·B for square float32 matrices (default 4096) with numpy (its BLAS, usually OpenBLAS),
torch.matmul and, when installed, tf.linalg.matmul (oneDNN/Eigen); median of --repeats after a warm-up.
Prints one JSON object; a library that is not installed is reported as skipped, never estimated.

    python3 Benchmarks/peers/sgemm.py [--threads 2] [--size 4096] [--repeats 5]
"""
import argparse
import json
import os
import statistics
import sys
import time

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--size", type=int, default=4096)
parser.add_argument("--repeats", type=int, default=5)
parser.add_argument("--no-tensorflow", action="store_true", help="skip TensorFlow (its import is slow)")
args = parser.parse_args()

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "TF_NUM_INTRAOP_THREADS",
            "TF_NUM_INTEROP_THREADS"):
    os.environ[var] = str(args.threads)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

n = args.size
flop = 2.0 * n ** 3


def measure(multiply):
    """Median GFLOP/s of `multiply()` (which must finish its work before returning)."""
    multiply()
    times, cpu = [], []
    for _ in range(args.repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        multiply()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    # Processor time of all the process's threads: GFLOP per CPU second, steadier than wall-clock on a busy machine.
    return {"gflops": round(flop / statistics.median(times) / 1e9, 1),
            "median_seconds": statistics.median(times), "runs": len(times),
            "gflops_per_cpu_second": round(flop / statistics.median(cpu) / 1e9, 1),
            "median_cpu_seconds": statistics.median(cpu)}


results = {"size": n, "threads": args.threads, "flop": flop}

import numpy as np  # noqa: E402

a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
b = np.random.default_rng(1).standard_normal((n, n), dtype=np.float32)
blas = "unknown"
try:
    config = np.show_config(mode="dicts")
    blas = config["Build Dependencies"]["blas"]["name"]
except Exception:
    pass
results["numpy"] = {"version": np.__version__, "blas": blas, **measure(lambda: a @ b)}

try:
    import torch
    torch.set_num_threads(args.threads)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    results["torch"] = {"version": torch.__version__, **measure(lambda: torch.matmul(ta, tb))}
except ImportError:
    results["torch"] = {"skipped": "torch is not installed"}

if args.no_tensorflow:
    results["tensorflow"] = {"skipped": "--no-tensorflow"}
else:
    try:
        import tensorflow as tf
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
        fa, fb = tf.constant(a), tf.constant(b)
        results["tensorflow"] = {"version": tf.__version__,
                                 **measure(lambda: tf.linalg.matmul(fa, fb).numpy())}
    except ImportError:
        results["tensorflow"] = {"skipped": "tensorflow is not installed"}

print(json.dumps(results))
sys.exit(0)
