#!/usr/bin/env python3
"""Writes ranking.json: ROC-AUC and PR-AUC from scikit-learn, Student's t and the sign-flip test from SciPy.

Pins `RankingMetrics` (Model/RankingMetrics.swift) to `sklearn.metrics.roc_auc_score` and
`average_precision_score` on scores with ties (rounded, saturated and constant scores), binary and
one-vs-rest macro over 10 classes; and `SampleStatistics` to `scipy.stats.t` (CDF, quantiles, the 95 %
t-interval) and to `scipy.stats.permutation_test` (exact one-sided sign flips).

    python3 Tests/ModelTests/Fixtures/make_ranking_fixture.py    # needs numpy, scipy, scikit-learn

Scores are float32 values (gcnn's probabilities), written exactly.
"""
import json
import os

import numpy as np
import scipy
import sklearn
from scipy import stats
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.preprocessing import label_binarize

rng = np.random.default_rng(20261202)


def f32(a):
    return [float(x) for x in np.asarray(a, dtype=np.float32)]


def binary_case(name, labels, scores):
    labels = np.asarray(labels, dtype=int)
    scores = np.asarray(scores, dtype=np.float32)
    both = 0 < labels.sum() < len(labels)
    return {
        "name": name,
        "labels": labels.tolist(),
        "scores": f32(scores),
        "roc_auc": float(roc_auc_score(labels, scores)) if both else None,
        "average_precision": float(average_precision_score(labels, scores)) if labels.sum() > 0 else None,
    }


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


binary = []
n = 200
y = rng.integers(0, 2, n)
binary.append(binary_case("continuous", y, sigmoid(rng.normal(size=n) + 1.2 * y)))
binary.append(binary_case("rounded to 0.1 (many ties)", y, np.round(sigmoid(rng.normal(size=n) + y), 1)))
# A network sure of most clips: float32 sigmoids saturate at exactly 0 and 1.
z = rng.normal(size=n) * 30 + 25 * (2 * y - 1)
binary.append(binary_case("saturated at 0 and 1", y, sigmoid(z.astype(np.float32))))
binary.append(binary_case("constant", y[:40], np.full(40, 0.5)))
binary.append(binary_case("perfect", [0, 0, 1, 1, 1], [0.1, 0.2, 0.3, 0.9, 0.9]))
binary.append(binary_case("reversed", [1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9]))
binary.append(binary_case("tie across classes", [0, 1, 0, 1, 1, 0], [0.2, 0.7, 0.7, 0.7, 0.9, 0.1]))
binary.append(binary_case("imbalanced 5 %", (rng.random(400) < 0.05).astype(int), np.round(rng.random(400), 2)))
binary.append(binary_case("one class only: positives", [1, 1, 1], [0.2, 0.9, 0.9]))
binary.append(binary_case("one class only: negatives", [0, 0, 0], [0.2, 0.9, 0.9]))

multiclass = []
for name, m, digits in [("10 classes", 200, None), ("10 classes rounded to 0.05 (ties)", 200, 0.05)]:
    labels = np.concatenate([np.arange(10), rng.integers(0, 10, m - 10)])
    logits = rng.normal(size=(m, 10)) + 2.0 * np.eye(10)[labels]
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    if digits:
        p = np.round(p / digits) * digits
        p = p / p.sum(1, keepdims=True)
    p = p.astype(np.float32)
    multiclass.append({
        "name": name, "classes": 10, "labels": labels.tolist(), "probabilities": f32(p.reshape(-1)),
        "roc_auc": float(roc_auc_score(labels, p, multi_class="ovr", average="macro")),
        "average_precision": float(average_precision_score(label_binarize(labels, classes=range(10)), p, average="macro")),
    })

t_quantiles = [{"df": df, "p": 0.975, "quantile": float(stats.t.ppf(0.975, df))} for df in list(range(1, 31)) + [50, 100, 1000]]
t_cdf = [{"df": df, "t": t, "cdf": float(stats.t.cdf(t, df))}
         for df in [1, 2, 4, 9, 30] for t in [-3.5, -1.0, 0.0, 0.3, 2.0, 6.0]]
intervals = []
for values in [[0.9, 0.95, 0.87, 1.0, 0.92], [0.5, 0.5833], [1.0, 1.0, 1.0], list(rng.random(10))]:
    v = np.asarray(values, dtype=float)
    lo, hi = stats.t.interval(0.95, len(v) - 1, loc=v.mean(), scale=stats.sem(v)) if v.std() > 0 else (v.mean(), v.mean())
    intervals.append({"values": v.tolist(), "mean": float(v.mean()), "half_width": float((hi - lo) / 2)})
sign_flip = []
for d in [[0.1, 0.2, 0.05, 0.3, 0.15], [0.1, -0.2, 0.05, 0.3, -0.15], [0.0, 0.0, 0.0], [-0.1, -0.2, -0.3, -0.1, -0.05],
          [0.12, 0.12, -0.12, 0.12], list(rng.normal(0.05, 0.1, 8))]:
    d = np.asarray(d, dtype=float)
    res = stats.permutation_test((d,), np.mean, permutation_type="samples", alternative="greater", n_resamples=np.inf)
    sign_flip.append({"differences": d.tolist(), "p": float(res.pvalue)})

out = {
    "generator": f"scikit-learn {sklearn.__version__}, scipy {scipy.__version__}, numpy {np.__version__}",
    "binary": binary, "multiclass": multiclass, "t_quantiles": t_quantiles, "t_cdf": t_cdf,
    "intervals": intervals, "sign_flip": sign_flip,
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ranking.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print("wrote", path)
