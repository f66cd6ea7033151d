#!/usr/bin/env python3
"""The table of scripts/augment_study.sh's runs: validation accuracy after epochs 1 and 2 per pair and
augmentation, mean ± the 95 % t-interval's half-width over the seeds that finished (n), and the per-seed values;
then each augmentation against the baseline, paired by seed: the mean difference in epoch-2 validation accuracy
with its t-interval and the exact two-sided sign-flip (paired permutation) test over the seeds both have.
usage: scripts/augment_table.py [OUT]"""
import glob, itertools, json, os, re, sys
from statistics import mean, stdev
from scipy import stats

out = sys.argv[1] if len(sys.argv) > 1 else "runs/augment-study"
names = {"base": "none (baseline)", "crop": "--random-crop", "spec": "--spec-augment 8,2,20,2", "mixup": "--mixup 0.2"}
cells = {}
for path in glob.glob(os.path.join(out, "*", "metrics.jsonl")):
    m = re.match(r"(\w+)-(.+)-s(\d+)$", os.path.basename(os.path.dirname(path)))
    epochs = [json.loads(l) for l in open(path) if l.strip()]
    if not m or len(epochs) < 2: continue
    cells.setdefault((m[2], m[1]), {})[int(m[3])] = (epochs[0]["val_acc"], epochs[1]["val_acc"])

def ci(xs):
    if len(xs) < 2: return f"{xs[0]:.3f}" if xs else "–"
    return f"{mean(xs):.3f} ± {stats.t.ppf(0.975, len(xs) - 1) * stdev(xs) / len(xs) ** 0.5:.3f}"

print("| pair | augmentation | n | val acc epoch 1 | val acc epoch 2 | per seed (epoch 2) |")
print("|---|---|---:|---|---|---|")
for task in ("pop-hiphop", "rock-country"):
    for c in ("base", "crop", "spec", "mixup"):
        runs = cells.get((task, c), {})
        if not runs: continue
        seeds = sorted(runs)
        e1, e2 = [runs[s][0] for s in seeds], [runs[s][1] for s in seeds]
        per = " ".join(f"s{s} {runs[s][1]:.3f}" for s in seeds)
        print(f"| {task} | {names[c]} | {len(seeds)} | {ci(e1)} | {ci(e2)} | {per} |")

def sign_flip(d):
    """Exact two-sided paired permutation p-value of the mean difference (every sign pattern)."""
    if not d: return float("nan")
    observed = abs(mean(d))
    flips = [abs(mean(s * x for s, x in zip(signs, d))) for signs in itertools.product((1, -1), repeat=len(d))]
    return sum(f >= observed - 1e-12 for f in flips) / len(flips)

print()
print("| pair | augmentation | seeds paired | Δ val acc epoch 2 vs baseline (mean ± 95 % CI) | per seed | p (sign-flip, two-sided) |")
print("|---|---|---:|---|---|---:|")
for task in ("pop-hiphop", "rock-country"):
    base = cells.get((task, "base"), {})
    for c in ("crop", "spec", "mixup"):
        runs = cells.get((task, c), {})
        seeds = sorted(set(runs) & set(base))
        if not seeds: continue
        d = [runs[s][1] - base[s][1] for s in seeds]
        per = " ".join(f"{x:+.3f}" for x in d)
        print(f"| {task} | {names[c]} | {len(seeds)} | {('+' if mean(d) >= 0 else '') + ci(d) if len(d) > 1 else f'{d[0]:+.3f}'} | {per} | {sign_flip(d):.3f} |")
