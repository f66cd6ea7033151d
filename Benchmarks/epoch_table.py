#!/usr/bin/env python3
"""The Markdown table of Benchmarks/epoch.sh, from the JSON files of one run's folder.

    python3 Benchmarks/epoch_table.py DIR

Rows: Keras-TF (the reference of every ratio), PyTorch eager, gcnn on each OpenCL device, gcnn's reference
path (extrapolated from a scaled-down epoch when so labelled), then sgemm GFLOP/s. Peers that were skipped
are listed with the reason, never estimated.
"""
import glob
import json
import os
import sys

TARGET = 0.7  # issue 5: gcnn on pocl, epoch <= 0.7x Keras-TF's
FLOOR_TARGET = 1.25  # issue 12: gcnn on pocl, epoch <= 1.25x the sgemm floor


def load(folder, name):
    path = os.path.join(folder, name + ".json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def skipped(folder, name):
    path = os.path.join(folder, name + ".skipped")
    return open(path).read().strip() if os.path.exists(path) else None


def fmt(x, digits=2):
    return "—" if x is None else f"{x:.{digits}f}"


def main(folder):
    rows = []  # (label, train, val, epoch, cpu, note); an extrapolated row's label says so
    keras = load(folder, "keras-tf")
    peers = [("keras-tf", "Keras {keras} / TF {tensorflow}"), ("torch-eager", "PyTorch {torch} eager NCHW"),
             ("torch-eager-channels-last", "PyTorch {torch} eager channels_last")]
    torch_best = None  # (label, epoch s, epoch CPU s) of PyTorch's faster memory format
    for name, label in peers:
        r = load(folder, name)
        if r is not None:
            train, val = r["median_train_seconds"], r["median_validation_seconds"]
            epoch, cpu = r["median_epoch_seconds"], r.get("median_epoch_cpu_seconds")
            note = f"{r['threads']} threads, median of {len(r['epochs'])}"
            label = label.format(**r["versions"])
            if (r.get("train_clips", 1120), r.get("val_clips", 480)) != (1120, 480):
                # A scaled-down epoch: scale each pass to the seed's clips, processor time by the epoch's factor.
                train, val = train * 1120 / r["train_clips"], val * 480 / r["val_clips"]
                cpu = cpu * (train + val) / epoch if cpu is not None else None
                epoch = train + val
                label += ", extrapolated"
                note = f"EXTRAPOLATED from {r['train_clips']} + {r['val_clips']} clips, " + note
            rows.append((label, train, val, epoch, cpu, note))
            if name.startswith("torch") and (torch_best is None or epoch < torch_best[1]):
                torch_best = (label, epoch, cpu)
            if name == "keras-tf":
                keras = dict(r, median_epoch_seconds=epoch, median_epoch_cpu_seconds=cpu)
        elif skipped(folder, name):
            rows.append((name, None, None, None, None, "skipped: " + skipped(folder, name)))

    headline = None
    # OpenCL devices first, the reference path last.
    for path in sorted(glob.glob(os.path.join(folder, "gcnn-*.json")), key=lambda p: (p.endswith("gcnn-cpu.json"), p)):
        for r in json.load(open(path))["results"]:
            s = r["setup"]
            label = f"gcnn {r['device']} — {r['device_name']}"
            if r["extrapolated"]:
                label += ", extrapolated"
                note = (f"EXTRAPOLATED from {s['train_clips']} + {s['validation_clips']} clips "
                        f"({r['train_clips_per_second']:.2f} + {r['validation_clips_per_second']:.2f} clips/s)")
                train = 1120 / r["train_clips_per_second"]
                val = 480 / r["validation_clips_per_second"]
            else:
                note = f"median of {len(r['epochs'])}"
                train, val = r["median_train_seconds"], r["median_validation_seconds"]
            # Processor time scales with the clips like wall time does: extrapolate it by the same factor.
            cpu = r["median_epoch_cpu_seconds"] * r["paper_epoch_seconds"] / r["median_epoch_seconds"]
            rows.append((label, train, val, r["paper_epoch_seconds"], cpu, note))
            if r["device"].startswith("opencl") and headline is None:
                headline = (label, r["paper_epoch_seconds"])
    for name in sorted(glob.glob(os.path.join(folder, "gcnn-*.skipped"))):
        rows.append((os.path.basename(name)[:-8], None, None, None, None, "failed: " + open(name).read().strip()))

    base = keras["median_epoch_seconds"] if keras else None
    base_cpu = keras.get("median_epoch_cpu_seconds") if keras else None
    print("| run | train s | validation s | epoch s | × Keras-TF | epoch CPU s | CPU × Keras-TF | note |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for label, train, val, epoch, cpu, note in rows:
        ratio = f"{epoch / base:.2f}×" if base and epoch else "—"
        cpu_ratio = f"{cpu / base_cpu:.2f}×" if base_cpu and cpu else "—"
        mark = "≈ " if label.endswith("extrapolated") else ""
        print(f"| {label} | {mark}{fmt(train)} | {mark}{fmt(val)} | {mark}{fmt(epoch)} | {ratio} | {mark}{fmt(cpu)} | {cpu_ratio} | {note} |")
    print("\nepoch s: wall-clock median (train + validation passes); epoch CPU s: processor time of all the run's "
          "threads, steadier than wall-clock on a busy machine.")

    sgemm = load(folder, "sgemm")
    if sgemm:
        parts = []
        for lib in ("numpy", "torch", "tensorflow"):
            entry = sgemm.get(lib, {})
            if "gflops" in entry:
                extra = f" ({entry['blas']})" if lib == "numpy" else ""
                parts.append(f"{lib}{extra} {entry['gflops']:.0f}")
            else:
                parts.append(f"{lib} skipped ({entry.get('skipped', 'not run')})")
        print(f"\nsgemm {sgemm['size']}×{sgemm['size']}, {sgemm['threads']} threads, GFLOP/s: " + ", ".join(parts))
    elif skipped(folder, "sgemm"):
        print("\nsgemm: " + skipped(folder, "sgemm"))

    flop = load(folder, "epoch-flop")
    numpy_rate = sgemm.get("numpy", {}).get("gflops") if sgemm else None
    if flop and numpy_rate:
        floor = flop["epoch_flop"] / (numpy_rate * 1e9)
        print(f"\nsgemm floor: {flop['epoch_flop'] / 1e12:.3f} TFLOP per epoch (conv and matrix products, counted by "
              f"PyTorch {flop['torch']}) ÷ numpy's {numpy_rate:.1f} GFLOP/s = {floor:.2f} s")
        cpu_rate = sgemm["numpy"].get("gflops_per_cpu_second")
        cpu_floor = flop["epoch_flop"] / (cpu_rate * 1e9) if cpu_rate else None
        if cpu_floor:
            print(f"in processor time: ÷ numpy's {cpu_rate:.1f} GFLOP per CPU second = {cpu_floor:.2f} CPU s")
        for label, _, _, epoch, cpu, _ in rows:
            if label.startswith("gcnn opencl") and epoch:
                verdict = "meets" if epoch / floor <= FLOOR_TARGET else "misses"
                line = (f"{label}: epoch / sgemm floor = {epoch:.2f} / {floor:.2f} = {epoch / floor:.2f}× "
                        f"({verdict} the ≤ {FLOOR_TARGET}× target)")
                if cpu_floor and cpu:
                    line += f"; processor time {cpu:.2f} / {cpu_floor:.2f} = {cpu / cpu_floor:.2f}×"
                print(line)
    elif skipped(folder, "epoch-flop"):
        print("\nsgemm floor: " + skipped(folder, "epoch-flop"))

    if headline and torch_best:
        gcnn_row = next(row for row in rows if row[0] == headline[0])
        cpu_part = (f", processor time {gcnn_row[4] / torch_best[2]:.2f}×" if gcnn_row[4] and torch_best[2] else "")
        print(f"\ngcnn / PyTorch's faster format ({torch_best[0]}): epoch {headline[1] / torch_best[1]:.2f}×{cpu_part}")
    if headline and base:
        ratio = headline[1] / base
        verdict = "meets" if ratio <= TARGET else "misses"
        print(f"\nheadline: {headline[0]} epoch / Keras-TF epoch = {ratio:.2f}× ({verdict} the ≤ {TARGET}× target)")
    elif headline:
        print("\nheadline: no Keras-TF epoch in this run, so no ratio (install tensorflow and run again)")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
