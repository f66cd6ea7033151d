#!/usr/bin/env python3
"""Pins gcnn's networks to PyTorch: writes the fixtures that Tests/ModelTests/PyTorchFixture.swift checks.

Needs `pip install torch numpy` (and librosa for paper_binary; not run in CI; the fixture files are
committed). Run from anywhere:

    python3 Tests/ModelTests/Fixtures/make_fixtures.py [NAME …]   # all fixtures, or only those named

For the paper fixtures (`paper_binary`, `small_10class`) it builds the paper's network in PyTorch

    Conv2d(1,F,5) → ReLU → BatchNorm2d(F, eps=1e-3, momentum=0.01) → MaxPool2d(2)
    → Conv2d(F,F,5) → ReLU → MaxPool2d(2) → Flatten → Linear(F·h·w, classes)

with weights drawn from gcnn's RandomGenerator (xoshiro256** seeded by SplitMix64, re-implemented here bit
for bit) through Keras' Glorot-uniform fans, exactly as `PaperCNN.initialParameters` draws them, followed by
the draws listed in the index under "perturbations" (non-trivial biases, γ, β and running statistics, so
that the forward pass exercises every term). The initial weights are therefore not stored: the Swift test
regenerates them and checks their sums against "initial_sums".

One training step in float32 PyTorch: training-mode forward, mean loss (BCE-with-logits for 1 class,
cross-entropy for N), backward, torch.optim.Adam(lr=1e-3, betas=(0.9, 0.999), eps=1e-8) step. Stored:
input, labels, logits, per-example losses and probabilities, gradient of every parameter, BatchNorm running
statistics after the step, every parameter after the Adam step ("adam_pytorch.*"), and (small fixture only,
to keep the files small) every parameter after one Keras-form Adam step (w −= lr·√(1−β2)/(1−β1)·m/(√v+ε))
computed in float64 numpy from torch's gradients ("adam_keras.*").

Files per fixture: <name>.json (configuration, scalars, and an index of tensors: element offset and shape
into <name>.f32) and <name>.f32 (little-endian float32, concatenated).

Spec fixtures (`every_layer`, `global_max`, `global_avg`) pin the networks gcnn builds from an architecture
spec: the module comes from scripts/gcnn_torch.py, the index holds the resolved spec ("spec"), and the
initial state is stored ("initial.<tensor>": Glorot kernels from gcnn's RandomGenerator, then the draws
listed in "perturbations", in state_dict order). Dropout uses gcnn's Philox masks (scripts/gcnn_philox.py,
seed "dropout.seed", step 1), stored as 0/1 ("dropout_mask.<layer index>", the dropout's input shape); kept
values are scaled by Float(1)/(Float(1) − rate) in float32 ("dropout.scale"). The
running variance follows PyTorch's rule (unbiased batch variance: "after.<bn>.running_var"); the Keras rule
(biased, gcnn's default) is given too, in float64 numpy ("after_biased.<bn>.running_var"). Every parameter
after one Keras-form Adam step is stored ("adam_keras.*"). "vanishing_gradients" names the parameters
whose gradient is zero in exact arithmetic (a bias right before a batch norm). A fixture whose values sit
at a kink (a ReLU input within 1e-4 of 0, a max within 1e-4 of a tie) is refused.
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "scripts"))
import gcnn_torch  # noqa: E402
MASK = (1 << 64) - 1


class RandomGenerator:
    """gcnn's Sources/Model/RandomGenerator.swift, bit for bit."""

    def __init__(self, seed):
        x = seed & MASK
        words = []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & MASK
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
            words.append(z ^ (z >> 31))
        self.s = words

    @staticmethod
    def _rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & MASK

    def next(self):
        s0, s1, s2, s3 = self.s
        result = (self._rotl((s1 * 5) & MASK, 7) * 9) & MASK
        t = (s1 << 17) & MASK
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = self._rotl(s3, 45)
        self.s = [s0, s1, s2, s3]
        return result

    def next_float(self):
        return np.float32(self.next() >> 40) * np.float32(2.0 ** -24)

    def uniform(self, lo, hi):
        lo, hi = np.float32(lo), np.float32(hi)
        value = lo + (hi - lo) * self.next_float()  # float32 arithmetic, as Swift's Float
        return value if value < hi else np.nextafter(hi, np.float32(-np.inf))

    def uniform_array(self, count, lo, hi):
        return np.array([self.uniform(lo, hi) for _ in range(count)], dtype=np.float32)

    def glorot(self, count, fan_in, fan_out):
        limit = np.float32(math.sqrt(6.0 / (fan_in + fan_out)))
        return self.uniform_array(count, -limit, limit)


class PaperCNN(nn.Module):
    def __init__(self, height, width, filters, classes):
        super().__init__()
        self.conv1 = nn.Conv2d(1, filters, 5)
        self.bn1 = nn.BatchNorm2d(filters, eps=1e-3, momentum=0.01)
        self.conv2 = nn.Conv2d(filters, filters, 5)
        h = ((height - 4) // 2 - 4) // 2
        w = ((width - 4) // 2 - 4) // 2
        self.fc = nn.Linear(filters * h * w, classes)

    def forward(self, x):
        x = nn.functional.max_pool2d(self.bn1(torch.relu(self.conv1(x))), 2)
        x = nn.functional.max_pool2d(torch.relu(self.conv2(x)), 2)
        return self.fc(torch.flatten(x, 1))


TRAINABLE = ["conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias", "conv2.weight", "conv2.bias",
             "fc.weight", "fc.bias"]

# Drawn after the Glorot kernels, in this order, uniform in [lo, hi).
PERTURBATIONS = [("conv1.bias", -0.5, 0.5), ("bn1.weight", 0.5, 1.5), ("bn1.bias", -0.5, 0.5),
                 ("bn1.running_mean", -1.0, 1.0), ("bn1.running_var", 0.5, 2.0),
                 ("conv2.bias", -0.1, 0.1), ("fc.bias", -0.1, 0.1)]


def log_mel_batch(batch, seed):
    """Raw power_to_db log-mel clips (dB, ref 1, amin 1e-10, top_db 80) of synthetic 2-s songs, 64×173."""
    import librosa
    sr, n = 22050, 44100
    rng = np.random.default_rng(seed)
    t = np.arange(n) / sr
    clips = []
    for _ in range(batch):
        y = 0.02 * rng.standard_normal(n)
        for _ in range(3):  # a few harmonic notes with decaying envelopes
            f0 = rng.uniform(80, 600)
            onset = rng.uniform(0, 1.5)
            env = np.where(t >= onset, np.exp(-(t - onset) * rng.uniform(1, 6)), 0.0)
            for harmonic in range(1, 8):
                y += env * rng.uniform(0.02, 0.2) / harmonic * np.sin(2 * np.pi * f0 * harmonic * t)
        for beat in np.arange(rng.uniform(0, 0.5), 2.0, 0.5):  # percussive noise bursts
            i = int(beat * sr)
            y[i:i + 2000] += rng.standard_normal(len(y[i:i + 2000])) * np.exp(-np.arange(len(y[i:i + 2000])) / 300)
        y = (0.5 * y / np.max(np.abs(y))).astype(np.float32)
        s = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=512, hop_length=256, n_mels=64, window="hann",
                                           power=2.0, htk=False, norm="slaney")
        clips.append(librosa.power_to_db(s, ref=1.0, amin=1e-10, top_db=80.0))
    x = np.stack(clips).astype(np.float32)[:, None]
    assert x.shape == (batch, 1, 64, 173), x.shape
    return x


def make(name, height, width, filters, classes, batch, seed, x, labels, store_keras=True):
    torch.manual_seed(0)
    model = PaperCNN(height, width, filters, classes)
    rng = RandomGenerator(seed)
    k = 5
    flat = model.fc.in_features
    values = {
        "conv1.weight": rng.glorot(filters * k * k, k * k, filters * k * k).reshape(filters, 1, k, k),
        "conv2.weight": rng.glorot(filters * filters * k * k, filters * k * k, filters * k * k)
                           .reshape(filters, filters, k, k),
        "fc.weight": rng.glorot(classes * flat, flat, classes).reshape(classes, flat),
    }
    for pname, lo, hi in PERTURBATIONS:
        values[pname] = rng.uniform_array(filters if pname != "fc.bias" else classes, lo, hi)
    state = model.state_dict()
    with torch.no_grad():
        for pname, v in values.items():
            state[pname].copy_(torch.from_numpy(np.asarray(v)))
    initial_sums = {p: float(np.asarray(v, dtype=np.float64).sum()) for p, v in values.items()}
    initial = {p: t.detach().numpy().astype(np.float64).copy() for p, t in model.state_dict().items()}

    model.train()
    xt, yt = torch.from_numpy(x), torch.from_numpy(labels)
    logits = model(xt)
    if classes == 1:
        losses = nn.functional.binary_cross_entropy_with_logits(logits[:, 0], yt, reduction="none")
        probabilities = torch.sigmoid(logits)
    else:
        losses = nn.functional.cross_entropy(logits, yt.long(), reduction="none")
        probabilities = torch.softmax(logits, dim=1)
    loss = losses.mean()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    opt.zero_grad()
    loss.backward()
    params = dict(model.named_parameters())
    grads = {p: params[p].grad.detach().numpy().copy() for p in TRAINABLE}
    opt.step()
    after = {p: t.detach().numpy().copy() for p, t in model.state_dict().items()}
    assert int(after["bn1.num_batches_tracked"]) == 1

    out = {"input": x, "labels": labels, "logits": logits.detach().numpy(),
           "losses": losses.detach().numpy(), "probabilities": probabilities.detach().numpy(),
           "after.bn1.running_mean": after["bn1.running_mean"], "after.bn1.running_var": after["bn1.running_var"]}
    lr, b1, b2, eps = 1e-3, 0.9, 0.999, 1e-8
    for p in TRAINABLE:
        g = grads[p].astype(np.float64)
        out["grad." + p] = grads[p]
        out["adam_pytorch." + p] = after[p]
        m, v = (1 - b1) * g, (1 - b2) * g * g
        if store_keras:
            out["adam_keras." + p] = (initial[p] - lr * math.sqrt(1 - b2) / (1 - b1) * m / (np.sqrt(v) + eps))

    index, blobs, offset = {}, [], 0
    for key, arr in out.items():
        arr = np.ascontiguousarray(np.asarray(arr, dtype="<f4"))
        index[key] = {"offset": offset, "shape": list(arr.shape)}
        blobs.append(arr.tobytes())
        offset += arr.size
    meta = {
        "description": f"PaperCNN one-step fixture from PyTorch {torch.__version__} (make_fixtures.py)",
        "config": {"inputHeight": height, "inputWidth": width, "filters": filters, "kernel": k,
                   "classes": classes, "batch": batch, "batchNormMomentumKeras": 0.99, "batchNormEpsilon": 1e-3},
        "adam": {"learningRate": lr, "beta1": b1, "beta2": b2, "epsilon": eps},
        "seed": seed,
        "perturbations": [{"name": p, "lo": lo, "hi": hi} for p, lo, hi in PERTURBATIONS],
        "initial_sums": initial_sums,
        "loss": float(loss.item()),
        "tensors": index,
    }
    with open(os.path.join(HERE, name + ".json"), "w") as f:
        json.dump(meta, f, indent=1)
    with open(os.path.join(HERE, name + ".f32"), "wb") as f:
        f.write(b"".join(blobs))
    print(f"{name}: loss {loss.item():.6f}, {offset} floats ({4 * offset / 1024:.0f} KiB)")
    report_float32_error(model, initial, xt, yt, classes, logits, grads)


def report_float32_error(model, initial, xt, yt, classes, logits, grads):
    """How far float32 PyTorch is from the same step in float64: the scale of honest tolerances."""
    m64 = type(model)(xt.shape[2], xt.shape[3], model.conv1.out_channels, classes).double()
    m64.load_state_dict({p: torch.from_numpy(v) if p != "bn1.num_batches_tracked" else torch.tensor(0)
                         for p, v in initial.items()})
    m64.train()
    z = m64(xt.double())
    if classes == 1:
        loss = nn.functional.binary_cross_entropy_with_logits(z[:, 0], yt.double())
    else:
        loss = nn.functional.cross_entropy(z, yt.long())
    loss.backward()
    d = np.abs(logits.detach().numpy() - z.detach().numpy()).max()
    print(f"  float32 vs float64 PyTorch: logits max abs diff {d:.3g}")
    for p, g in dict(m64.named_parameters()).items():
        g64 = g.grad.numpy()
        diff = np.abs(grads[p] - g64).max()
        print(f"    grad {p:14s} max|g| {np.abs(g64).max():.3g}  max abs diff {diff:.3g}  "
              f"(rel to max {diff / max(np.abs(g64).max(), 1e-30):.3g})")


# Architecture-spec fixtures: together they use every layer type.
EVERY_LAYER_SPEC = {
    "name": "every_layer", "input": [12, 15],
    "layers": [
        {"type": "conv2d", "filters": 3, "kernel": [3, 5], "padding": "same"},
        {"type": "batchnorm", "momentum": 0.9, "epsilon": 0.001},
        {"type": "relu"},
        {"type": "maxpool", "size": 2},
        {"type": "conv2d", "filters": 4, "kernel": 4, "padding": "same", "activation": "relu"},
        {"type": "avgpool", "size": [2, 3], "stride": [1, 2]},
        {"type": "conv2d", "filters": 5, "kernel": [2, 1], "padding": "valid", "activation": "relu"},
        {"type": "dropout", "rate": 0.25},
        {"type": "flatten"},
        {"type": "dense", "units": 7, "activation": "relu"},
        {"type": "batchnorm", "momentum": 0.99, "epsilon": 0.01},
        {"type": "dropout", "rate": 0.5},
        {"type": "dense"},
    ],
}
GLOBAL_MAX_SPEC = {
    "name": "global_max", "input": [9, 11],
    "layers": [
        {"type": "conv2d", "filters": 6, "kernel": 3, "padding": "same", "activation": "relu"},
        {"type": "globalmaxpool"},
        {"type": "dense"},
    ],
}
GLOBAL_AVG_SPEC = {
    "name": "global_avg", "input": [8, 10],
    "layers": [
        {"type": "conv2d", "name": "stem", "filters": 5, "kernel": [3, 2]},
        {"type": "batchnorm"},
        {"type": "relu"},
        {"type": "globalavgpool"},
        {"type": "dropout", "rate": 0.3},
        {"type": "dense", "units": 6},
        {"type": "relu"},
        {"type": "dense", "name": "head"},
    ],
}

# Drawn after the Glorot kernels, per tensor in state_dict order, uniform in [lo, hi).
SPEC_PERTURBATIONS = {"conv2d.bias": (-0.5, 0.5), "dense.bias": (-0.1, 0.1), "batchnorm.weight": (0.5, 1.5),
                      "batchnorm.bias": (-0.5, 0.5), "batchnorm.running_mean": (-1.0, 1.0),
                      "batchnorm.running_var": (0.5, 2.0)}


def spec_initial_state(net, seed):
    """Glorot kernels from gcnn's RandomGenerator (layer order), then SPEC_PERTURBATIONS (state_dict order)."""
    rng = RandomGenerator(seed)
    kinds = {l["name"]: l["type"] for l in net.spec["layers"] if "name" in l}
    values, perturbations = {}, []
    for pname, t in net.state_dict().items():
        layer, field = pname.rsplit(".", 1)
        if field == "weight" and kinds[layer] in ("conv2d", "dense"):
            fan_in = int(np.prod(t.shape[1:]))
            fan_out = t.shape[0] * int(np.prod(t.shape[2:]))
            values[pname] = rng.glorot(t.numel(), fan_in, fan_out).reshape(tuple(t.shape))
    for pname, t in net.state_dict().items():
        layer, field = pname.rsplit(".", 1)
        key = f"{kinds[layer]}.{field}"
        if key in SPEC_PERTURBATIONS:
            lo, hi = SPEC_PERTURBATIONS[key]
            values[pname] = rng.uniform_array(t.numel(), lo, hi).reshape(tuple(t.shape))
            perturbations.append({"name": pname, "lo": lo, "hi": hi})
    return values, perturbations


def spec_loss(logits, yt, classes):
    if classes == 1:
        losses = nn.functional.binary_cross_entropy_with_logits(logits[:, 0], yt, reduction="none")
        return losses, torch.sigmoid(logits)
    return nn.functional.cross_entropy(logits, yt.long(), reduction="none"), torch.softmax(logits, dim=1)


def check_well_posed(trace):
    """Refuses a fixture whose values sit at a kink (ReLU input near 0, a max near a tie, a batch-norm
    feature with no spread), where float32 rounding could flip which branch Swift takes."""
    for kind, index, layer, inp in trace:
        a = inp.detach().double()
        if kind == "relu":
            assert a.abs().min() > 1e-4, f"layers[{index}]: a ReLU input within 1e-4 of 0"
        elif kind in ("maxpool", "globalmaxpool"):
            if kind == "maxpool":
                (sh, sw), (th, tw) = gcnn_torch.pair(layer["size"], ""), gcnn_torch.pair(layer["stride"], "")
                windows = a.unfold(2, sh, th).unfold(3, sw, tw).flatten(-2)
            else:
                windows = a.flatten(2)
            top = windows.topk(2, dim=-1).values
            live = top[..., 0] > 0  # windows of ReLU zeros pass no gradient either way
            gap = (top[..., 0] - top[..., 1])[live]
            assert gap.numel() == 0 or gap.min() > 1e-4, f"layers[{index}]: a max within 1e-4 of a tie"
        elif kind == "batchnorm":
            dims = [0] if a.dim() == 2 else [0, 2, 3]
            assert a.var(dim=dims).min() > 1e-3, f"layers[{index}]: a batch-norm feature with no spread"


def traced_forward(net, x, masks):
    """net(x) and [(kind, spec index, layer, input)] of every ReLU, max pool and batch norm."""
    trace = []
    logits = net(x, dropout_masks=masks, trace=lambda *item: trace.append(item))
    return logits, trace


def make_spec(spec, classes, batch, seed, dropout_seed, x, labels):
    name = spec["name"]
    net = gcnn_torch.build_module(spec, classes, init="torch")
    values, perturbations = spec_initial_state(net, seed)
    with torch.no_grad():
        for pname, v in values.items():
            net.state_dict()[pname].copy_(torch.from_numpy(np.asarray(v)))
    initial = {p: t.detach().numpy().copy() for p, t in net.state_dict().items() if t.dtype == torch.float32}
    masks = gcnn_torch.dropout_masks(net, batch, dropout_seed, step=1)

    net.train()
    xt, yt = torch.from_numpy(x), torch.from_numpy(labels)
    logits, trace = traced_forward(net, xt, masks)
    check_well_posed(trace)
    bn_inputs = {index: inp.detach().numpy().astype(np.float64) for kind, index, _, inp in trace if kind == "batchnorm"}
    losses, probabilities = spec_loss(logits, yt, classes)
    loss = losses.mean()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    opt.zero_grad()
    loss.backward()
    trainable = [p for p, _ in net.named_parameters()]
    grads = {p: t.grad.detach().numpy().copy() for p, t in net.named_parameters()}
    opt.step()
    after = {p: t.detach().numpy().copy() for p, t in net.state_dict().items()}
    grads64 = report_spec_float32_error(net, initial, xt, yt, classes, masks, logits, grads)
    # A bias right before a batch norm has no gradient in exact arithmetic: float32 leaves rounding noise,
    # which Adam's first step (≈ lr·sign g) turns into ±lr, so its Adam values check nothing.
    vanishing = [p for p, g in grads64.items() if np.abs(g).max() < 1e-12]

    out = {"input": x, "labels": labels}
    for index, mask in masks.items():
        out[f"dropout_mask.{index}"] = mask.numpy().astype(np.float32)
    for p, v in initial.items():
        out["initial." + p] = v
    out.update({"logits": logits.detach().numpy(), "losses": losses.detach().numpy(),
                "probabilities": probabilities.detach().numpy()})
    for p in trainable:
        out["grad." + p] = grads[p]
    for kind, index, layer, _ in net.plan:
        if kind != "batchnorm":
            continue
        bn = layer["name"]
        assert int(after[bn + ".num_batches_tracked"]) == 1
        out[f"after.{bn}.running_mean"] = after[bn + ".running_mean"]
        out[f"after.{bn}.running_var"] = after[bn + ".running_var"]
        a = bn_inputs[index]
        dims = (0,) if a.ndim == 2 else (0, 2, 3)
        m = layer["momentum"]
        out[f"after_biased.{bn}.running_var"] = (m * initial[bn + ".running_var"].astype(np.float64)
                                                 + (1 - m) * a.var(axis=dims))
    lr, b1, b2, eps = 1e-3, 0.9, 0.999, 1e-8
    for p in trainable:
        out["adam_pytorch." + p] = after[p]
    for p in trainable:
        g = grads[p].astype(np.float64)
        mom, vel = (1 - b1) * g, (1 - b2) * g * g
        out["adam_keras." + p] = initial[p].astype(np.float64) - lr * math.sqrt(1 - b2) / (1 - b1) * mom / (np.sqrt(vel) + eps)

    index, blobs, offset = {}, [], 0
    for key, arr in out.items():
        arr = np.ascontiguousarray(np.asarray(arr, dtype="<f4"))
        index[key] = {"offset": offset, "shape": list(arr.shape)}
        blobs.append(arr.tobytes())
        offset += arr.size
    meta = {
        "description": f"Architecture-spec one-step fixture from PyTorch {torch.__version__} (make_fixtures.py, "
                       "module from scripts/gcnn_torch.py)",
        "spec": net.spec,
        "config": {"inputHeight": spec["input"][0], "inputWidth": spec["input"][1], "classes": classes,
                   "batch": batch, "batchNormRunningVariance": "unbiased (PyTorch) in after.*; biased (Keras) in after_biased.*"},
        "adam": {"learningRate": lr, "beta1": b1, "beta2": b2, "epsilon": eps},
        "seed": seed,
        "perturbations": perturbations,
        "dropout": {"seed": dropout_seed, "step": 1,
                    "layers": {str(i): l["rate"] for i, l in enumerate(net.spec["layers"]) if l["type"] == "dropout"},
                    "scale": {str(i): gcnn_torch.dropout_scale(l["rate"])
                              for i, l in enumerate(net.spec["layers"]) if l["type"] == "dropout"}},
        "num_batches_tracked": {"initial": 0, "after": 1},
        "vanishing_gradients": {"names": vanishing, "note": "zero in exact arithmetic (a bias before batch norm): "
                                "grad.* is float32 rounding noise (compare with an absolute tolerance), and "
                                "adam_pytorch.*/adam_keras.* of these are ±lr by the noise's sign, not a check"},
        "state": [{"name": p, "shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", "")}
                  for p, t in net.state_dict().items()],
        "loss": float(loss.item()),
        "tensors": index,
    }
    with open(os.path.join(HERE, name + ".json"), "w") as f:
        json.dump(meta, f, indent=1)
    with open(os.path.join(HERE, name + ".f32"), "wb") as f:
        f.write(b"".join(blobs))
    print(f"{name}: loss {loss.item():.6f}, {offset} floats ({4 * offset / 1024:.0f} KiB); "
          f"vanishing gradients {vanishing}")


def report_spec_float32_error(net, initial, xt, yt, classes, masks, logits, grads):
    """How far float32 PyTorch is from the same step in float64 (the scale of honest tolerances); returns the
    float64 gradients."""
    m64 = gcnn_torch.build_module(net.spec, classes, init="torch").double()
    state = {p: torch.from_numpy(v.astype(np.float64)) for p, v in initial.items()}
    state.update({p: torch.tensor(0) for p in m64.state_dict() if p.endswith("num_batches_tracked")})
    m64.load_state_dict(state, strict=True)
    m64.train()
    z = m64(xt.double(), dropout_masks=masks)
    spec_loss(z, yt.double(), classes)[0].mean().backward()
    d = np.abs(logits.detach().numpy() - z.detach().numpy()).max()
    print(f"  float32 vs float64 PyTorch: logits max abs diff {d:.3g}")
    for p, g in m64.named_parameters():
        g64 = g.grad.numpy()
        diff = np.abs(grads[p] - g64).max()
        print(f"    grad {p:14s} max|g| {np.abs(g64).max():.3g}  max abs diff {diff:.3g}  "
              f"(rel to max {diff / max(np.abs(g64).max(), 1e-30):.3g})")
    return {p: g.grad.numpy() for p, g in m64.named_parameters()}


def make_paper_binary():
    # The paper's binary network on a batch of 4 real-looking log-mel clips (64×173).
    x = log_mel_batch(4, seed=7)
    # Its Keras-form Adam values are not stored (they would add 540 KiB): they are the float64 formula of the
    # stored gradients, which the Swift test evaluates itself for this fixture.
    make("paper_binary", 64, 173, 64, 1, 4, seed=2024, x=x, labels=np.array([1, 0, 0, 1], dtype=np.float32),
         store_keras=False)


def make_small_10class():
    # The 10-genre head on a small odd shape (25×34 → conv 21×30 → pool 10×15 → conv 6×11 → pool 3×5).
    rng = np.random.default_rng(11)
    x10 = rng.uniform(-80.0, 0.0, size=(5, 1, 25, 34)).astype(np.float32)
    make("small_10class", 25, 34, 8, 10, 5, seed=77, x=x10, labels=np.array([3, 7, 0, 9, 3], dtype=np.float32))


def make_every_layer():
    rng = np.random.default_rng(23)
    x = (2.0 * rng.standard_normal((5, 1, 12, 15))).astype(np.float32)
    make_spec(EVERY_LAYER_SPEC, 1, 5, seed=507, dropout_seed=0x1234_5678_9ABC, x=x,
              labels=np.array([1, 0, 1, 1, 0], dtype=np.float32))


def make_global_max():
    rng = np.random.default_rng(21)
    x = rng.uniform(-3.0, 3.0, size=(5, 1, 9, 11)).astype(np.float32)
    make_spec(GLOBAL_MAX_SPEC, 10, 5, seed=502, dropout_seed=0, x=x,
              labels=np.array([2, 9, 4, 0, 2], dtype=np.float32))


def make_global_avg():
    rng = np.random.default_rng(21)
    x = (rng.standard_normal((5, 1, 8, 10)) - 1.0).astype(np.float32)
    make_spec(GLOBAL_AVG_SPEC, 10, 5, seed=503, dropout_seed=(7 << 32) | 99, x=x,
              labels=np.array([5, 1, 8, 1, 3], dtype=np.float32))


FIXTURES = {"paper_binary": make_paper_binary, "small_10class": make_small_10class, "every_layer": make_every_layer,
            "global_max": make_global_max, "global_avg": make_global_avg}


def main(argv):
    torch.use_deterministic_algorithms(True)
    unknown = [n for n in argv if n not in FIXTURES]
    if unknown:
        print(f"unknown fixtures {unknown}; known: {', '.join(FIXTURES)}", file=sys.stderr)
        return 2
    for name in argv or FIXTURES:
        FIXTURES[name]()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
