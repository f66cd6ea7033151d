#!/usr/bin/env python3
"""Pins gcnn's optimisers, learning-rate schedules and class weights to PyTorch, Keras and scikit-learn:
writes the fixtures that Tests/ModelTests/TrainingFixtureTests.swift checks.

Needs `pip install torch keras tensorflow scikit-learn numpy` (not run in CI; the fixture files are committed).

    python3 Tests/ModelTests/Fixtures/make_training_fixtures.py [NAME …]   # all fixtures, or only those named

optimizers.json — each case: a float32 parameter vector (37 values), one gradient per step (6 steps, given,
not computed: the optimiser alone is under test), the learning rate of each step (changing, as a schedule
changes it), and the parameters after every step plus the optimiser's state after the last one, from
  torch.optim.Adam / AdamW (ε outside √v̂, "pytorch" placement), torch.optim.SGD (plain, momentum + weight
  decay, Nesterov + weight decay), keras.optimizers.Adam / AdamW (ε added to √v, "keras" placement).

lr_schedules.json — the learning rate of each epoch (read before the epoch trains; the scheduler steps after
it) from torch.optim.lr_scheduler: StepLR; CosineAnnealingLR, alone and after a LinearLR warm-up in a
SequentialLR (also stepped after every batch, "cosine-steps", for --lr-warmup-steps); ReduceLROnPlateau in
"min" and "max" mode on a given metric sequence (ties and changes within the threshold included).

class_weights.json — sklearn.utils.class_weight.compute_class_weight("balanced") of unbalanced label sets,
and the gradient with respect to the logits of the class-weighted mean loss Σᵢ w[yᵢ]·lossᵢ / N (Keras'
class_weight; torch: BCEWithLogitsLoss(weight=w[y]) and CrossEntropyLoss(weight=w, reduction="sum") / N),
with each sample's unweighted loss.
"""
import json
import math
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import torch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
STEPS = 6
COUNT = 37


def f32list(a):
    return [float(x) for x in np.asarray(a, dtype=np.float32).reshape(-1)]


def write(name, obj):
    path = os.path.join(HERE, name + ".json")
    with open(path, "w") as f:
        json.dump(obj, f, sort_keys=True)
        f.write("\n")
    print("wrote", path)


def optimizer_inputs(seed, lrs):
    rng = np.random.default_rng(seed)
    initial = rng.uniform(-1, 1, COUNT).astype(np.float32)
    grads = [rng.uniform(-0.1, 0.1, COUNT).astype(np.float32) for _ in range(STEPS)]
    # A few elements with tiny and exactly zero gradients: ε matters there.
    for g in grads:
        g[3] = 0.0
        g[5] = np.float32(1e-9)
    return initial, grads, lrs


def torch_case(name, kind, seed, lrs, **options):
    initial, grads, lrs = optimizer_inputs(seed, lrs)
    p = torch.nn.Parameter(torch.tensor(initial))
    if kind == "adam":
        opt = torch.optim.Adam([p], lr=lrs[0], betas=(0.9, 0.999), eps=1e-8)
    elif kind == "adamw":
        opt = torch.optim.AdamW([p], lr=lrs[0], betas=(0.9, 0.999), eps=1e-8, weight_decay=options["weightDecay"])
    else:
        opt = torch.optim.SGD([p], lr=lrs[0], momentum=options.get("momentum", 0.0),
                              weight_decay=options.get("weightDecay", 0.0), nesterov=options.get("nesterov", False))
    after = []
    for lr, g in zip(lrs, grads):
        for group in opt.param_groups:
            group["lr"] = lr
        p.grad = torch.tensor(g)
        opt.step()
        after.append(f32list(p.detach().numpy()))
    state = opt.state[p]
    m = state.get("exp_avg", state.get("momentum_buffer"))
    v = state.get("exp_avg_sq")
    return {"name": name, "reference": f"torch {torch.__version__} torch.optim.{type(opt).__name__}",
            "optimizer": kind, "placement": "pytorch", "weightDecay": options.get("weightDecay", 0.0),
            "momentum": options.get("momentum", 0.0), "nesterov": options.get("nesterov", False),
            "initial": f32list(initial), "gradients": [f32list(g) for g in grads], "lrs": lrs, "after": after,
            "m": f32list(m.numpy()) if m is not None else None, "v": f32list(v.numpy()) if v is not None else None}


def keras_case(name, kind, seed, lrs, **options):
    import keras
    initial, grads, lrs = optimizer_inputs(seed, lrs)
    var = keras.Variable(initial, dtype="float32")
    if kind == "adam":
        opt = keras.optimizers.Adam(learning_rate=lrs[0], beta_1=0.9, beta_2=0.999, epsilon=1e-8)
    else:
        opt = keras.optimizers.AdamW(learning_rate=lrs[0], beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                                     weight_decay=options["weightDecay"])
    opt.build([var])
    after = []
    for lr, g in zip(lrs, grads):
        opt.learning_rate.assign(lr)
        opt.apply_gradients([(keras.ops.convert_to_tensor(g), var)])
        after.append(f32list(keras.ops.convert_to_numpy(var)))
    m = keras.ops.convert_to_numpy(opt._momentums[0])
    v = keras.ops.convert_to_numpy(opt._velocities[0])
    return {"name": name, "reference": f"keras {keras.__version__} keras.optimizers.{type(opt).__name__}",
            "optimizer": kind, "placement": "keras", "weightDecay": options.get("weightDecay", 0.0),
            "momentum": 0.0, "nesterov": False, "initial": f32list(initial), "gradients": [f32list(g) for g in grads],
            "lrs": lrs, "after": after, "m": f32list(m), "v": f32list(v)}


def make_optimizers():
    adam_lrs = [1e-2, 1e-2, 5e-3, 5e-3, 2.5e-3, 1e-3]
    sgd_lrs = [0.1, 0.1, 0.05, 0.05, 0.025, 0.01]
    cases = [
        torch_case("adam-pytorch", "adam", 1, adam_lrs),
        torch_case("adamw-pytorch", "adamw", 2, adam_lrs, weightDecay=0.1),
        torch_case("sgd", "sgd", 3, sgd_lrs),
        torch_case("sgd-momentum-wd", "sgd", 4, sgd_lrs, momentum=0.9, weightDecay=0.01),
        torch_case("sgd-nesterov-wd", "sgd", 5, sgd_lrs, momentum=0.9, weightDecay=0.01, nesterov=True),
        keras_case("adam-keras", "adam", 6, adam_lrs),
        keras_case("adamw-keras", "adamw", 7, adam_lrs, weightDecay=0.1),
    ]
    write("optimizers", {"steps": STEPS, "count": COUNT, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8,
                         "cases": cases})


def schedule_lrs(scheduler, opt, epochs, metrics=None):
    lrs = []
    for e in range(epochs):
        lrs.append(opt.param_groups[0]["lr"])
        if metrics is None:
            scheduler.step()
        else:
            scheduler.step(metrics[e])
    return lrs


def make_lr_schedules():
    from torch.optim import lr_scheduler as S

    def opt(lr):
        return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)

    cases = []
    o = opt(0.1)
    cases.append({"name": "step", "schedule": "step", "baseLR": 0.1, "epochs": 10, "stepEpochs": 3, "gamma": 0.5,
                  "lrs": schedule_lrs(S.StepLR(o, step_size=3, gamma=0.5), o, 10)})
    o = opt(0.01)
    cases.append({"name": "step-every-epoch", "schedule": "step", "baseLR": 0.01, "epochs": 7, "stepEpochs": 1,
                  "gamma": 0.9, "lrs": schedule_lrs(S.StepLR(o, step_size=1, gamma=0.9), o, 7)})
    o = opt(1e-3)
    cases.append({"name": "cosine", "schedule": "cosine", "baseLR": 1e-3, "epochs": 10, "warmupEpochs": 0,
                  "minLR": 1e-5, "lrs": schedule_lrs(S.CosineAnnealingLR(o, T_max=10, eta_min=1e-5), o, 10)})
    for warm, epochs, lo in [(2, 10, 1e-4), (3, 12, 0.0)]:
        o = opt(1e-3)
        seq = S.SequentialLR(o, [S.LinearLR(o, start_factor=1 / (warm + 1), end_factor=1.0, total_iters=warm),
                                 S.CosineAnnealingLR(o, T_max=epochs - warm, eta_min=lo)], milestones=[warm])
        cases.append({"name": f"cosine-warmup{warm}", "schedule": "cosine", "baseLR": 1e-3, "epochs": epochs,
                      "warmupEpochs": warm, "minLR": lo, "lrs": schedule_lrs(seq, o, epochs)})
    # Stepped after every batch: 2 epochs of 35 batches, 10 steps of warm-up (gcnn's --lr-warmup-steps).
    warm, epochs, per, lo = 10, 2, 35, 1e-5
    o = opt(1e-3)
    seq = S.SequentialLR(o, [S.LinearLR(o, start_factor=1 / (warm + 1), end_factor=1.0, total_iters=warm),
                             S.CosineAnnealingLR(o, T_max=epochs * per - warm, eta_min=lo)], milestones=[warm])
    cases.append({"name": "cosine-per-step", "schedule": "cosine-steps", "baseLR": 1e-3, "epochs": epochs,
                  "stepsPerEpoch": per, "warmupSteps": warm, "minLR": lo, "lrs": schedule_lrs(seq, o, epochs * per)})
    losses = [1.0, 0.8, 0.8, 0.79995, 0.7, 0.71, 0.72, 0.73, 0.6, 0.6, 0.6, 0.6, 0.59999, 0.65]
    o = opt(1e-3)
    cases.append({"name": "plateau-min", "schedule": "plateau", "baseLR": 1e-3, "epochs": len(losses), "mode": "min",
                  "factor": 0.5, "patience": 1, "minLR": 2e-4, "metrics": losses,
                  "lrs": schedule_lrs(S.ReduceLROnPlateau(o, mode="min", factor=0.5, patience=1, min_lr=2e-4), o,
                                      len(losses), losses)})
    accs = [0.5, 0.6, 0.6, 0.6, 0.60005, 0.7, 0.65, 0.7, 0.7, 0.7, 0.9, 0.8]
    o = opt(0.1)
    cases.append({"name": "plateau-max", "schedule": "plateau", "baseLR": 0.1, "epochs": len(accs), "mode": "max",
                  "factor": 0.1, "patience": 2, "minLR": 0.0, "metrics": accs,
                  "lrs": schedule_lrs(S.ReduceLROnPlateau(o, mode="max", factor=0.1, patience=2), o, len(accs), accs)})
    write("lr_schedules", {"reference": f"torch {torch.__version__} torch.optim.lr_scheduler", "cases": cases})


def make_class_weights():
    import sklearn
    from sklearn.utils.class_weight import compute_class_weight
    rng = np.random.default_rng(11)
    cases = []
    # Binary: 13 samples, 4 positives; logits include large ones.
    y = np.array([0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 1, 0])
    w = compute_class_weight("balanced", classes=np.arange(2), y=y).astype(np.float32)
    z = rng.uniform(-4, 4, len(y)).astype(np.float32)
    z[4], z[9] = 35.0, -30.0
    zt = torch.tensor(z, requires_grad=True)
    yt = torch.tensor(y, dtype=torch.float32)
    per = torch.nn.functional.binary_cross_entropy_with_logits(zt, yt, reduction="none")
    loss = torch.nn.functional.binary_cross_entropy_with_logits(zt, yt, weight=torch.tensor(w)[y], reduction="mean")
    loss.backward()
    cases.append({"name": "binary", "classes": 1, "labels": y.tolist(), "weights": f32list(w), "logits": f32list(z),
                  "losses": f32list(per.detach()), "loss": float(loss), "gradLogits": f32list(zt.grad)})
    # Five classes, 17 samples, counts 7/4/3/2/1.
    y = np.array([0, 1, 0, 2, 0, 1, 3, 0, 2, 0, 4, 1, 0, 3, 2, 1, 0])
    k = 5
    w = compute_class_weight("balanced", classes=np.arange(k), y=y).astype(np.float32)
    z = rng.uniform(-3, 3, (len(y), k)).astype(np.float32)
    z[2, 1] = 40.0
    zt = torch.tensor(z, requires_grad=True)
    yt = torch.tensor(y)
    per = torch.nn.functional.cross_entropy(zt, yt, reduction="none")
    loss = torch.nn.functional.cross_entropy(zt, yt, weight=torch.tensor(w), reduction="sum") / len(y)
    loss.backward()
    cases.append({"name": "five-class", "classes": k, "labels": y.tolist(), "weights": f32list(w),
                  "logits": f32list(z), "losses": f32list(per.detach()), "loss": float(loss),
                  "gradLogits": f32list(zt.grad)})
    write("class_weights", {"reference": f"scikit-learn {sklearn.__version__} compute_class_weight('balanced'); "
                                         f"torch {torch.__version__} losses", "cases": cases})


FIXTURES = {"optimizers": make_optimizers, "lr_schedules": make_lr_schedules, "class_weights": make_class_weights}


def main(argv):
    unknown = [n for n in argv if n not in FIXTURES]
    if unknown:
        print(f"unknown fixtures {unknown}; known: {', '.join(FIXTURES)}", file=sys.stderr)
        return 2
    for name in argv or FIXTURES:
        FIXTURES[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
