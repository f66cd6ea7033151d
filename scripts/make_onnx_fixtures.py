#!/usr/bin/env python3
"""ONNX export fixtures and cross-checks: gcnn export onnx → onnxruntime, against gcnn predict and PyTorch.

For each network below it builds a checkpoint (scripts/gcnn_torch.py: Keras initialisation from a seeded
generator, then random biases and batch-norm γ/β, running statistics from a calibration batch, the head
scaled so its probabilities are not saturated), writes it as gcnn's model.safetensors, exports it with
`gcnn export onnx`, checks the model with onnx.checker (full check: strict shape inference), runs
onnxruntime (CPU) on fixed inputs and compares its probabilities with `gcnn predict --device cpu --json` on
the same inputs (.npy) and with the PyTorch module (sigmoid/softmax of its logits).

    python3 scripts/make_onnx_fixtures.py [--gcnn .build/release/gcnn]            # the committed fixtures
    python3 scripts/make_onnx_fixtures.py --presets [--gcnn …]                   # also paper, fcn, short-chunk

Committed (Tests/ONNXExportTests/Fixtures/): NAME.safetensors (the checkpoint), NAME.onnx (the exported model
onnxruntime ran), NAME.inputs.f32 (little-endian float32 [N, 1, H, W]) and NAME.json (spec, onnxruntime's
probabilities, the max abs errors, versions). The presets are only measured (fcn's model is 69 MB).
It pip-installs onnx and onnxruntime at the versions below into the running interpreter if they are missing.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

ONNX_VERSION = "1.23.2"
ONNXRUNTIME_VERSION = "1.32.0"
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FIXTURES = os.path.join(ROOT, "Tests", "ONNXExportTests", "Fixtures")
sys.path.insert(0, HERE)


def ensure_packages():
    try:
        import onnx
        import onnxruntime
        if onnx.__version__ == ONNX_VERSION and onnxruntime.__version__ == ONNXRUNTIME_VERSION:
            return
    except ImportError:
        pass
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q",
                           f"onnx=={ONNX_VERSION}", f"onnxruntime=={ONNXRUNTIME_VERSION}"])


FIXTURE_SPECS = {
    # The paper's network at 8 filters: conv valid + fused ReLU, batch norm on maps, max pools, a dense head on
    # maps (an implied Flatten), sigmoid.
    "paper_small": ({"name": "paper_small", "input": [64, 173], "layers": [
        {"type": "conv2d", "name": "conv1", "filters": 8, "kernel": 5, "padding": "valid", "activation": "relu"},
        {"type": "batchnorm", "name": "bn1", "momentum": 0.99, "epsilon": 0.001},
        {"type": "maxpool", "size": 2},
        {"type": "conv2d", "name": "conv2", "filters": 8, "kernel": 5, "activation": "relu"},
        {"type": "maxpool", "size": 2},
        {"type": "dense", "name": "fc"}]}, 1),
    # Every layer kind: non-square and even "same" kernels, avg pool with strides ≠ size, dropout on maps and on
    # features, flatten, dense + ReLU, batch norm on features (ε 0.01), sigmoid head.
    "every_layer": ({"name": "every_layer", "input": [12, 15], "layers": [
        {"type": "conv2d", "filters": 3, "kernel": [3, 5], "padding": "same"},
        {"type": "batchnorm", "momentum": 0.9},
        {"type": "relu"},
        {"type": "maxpool", "size": 2},
        {"type": "conv2d", "filters": 4, "kernel": 4, "padding": "same", "activation": "relu"},
        {"type": "avgpool", "size": [2, 3], "stride": [1, 2]},
        {"type": "conv2d", "filters": 5, "kernel": [2, 1], "activation": "relu"},
        {"type": "dropout", "rate": 0.25},
        {"type": "flatten"},
        {"type": "dense", "units": 7, "activation": "relu"},
        {"type": "batchnorm", "epsilon": 0.01},
        {"type": "dropout", "rate": 0.5},
        {"type": "dense"}]}, 1),
    # Global average pooling, batch norm on its features, overlapping max pool, softmax over 10 classes.
    "every_layer_global": ({"name": "every_layer_global", "input": [16, 20], "layers": [
        {"type": "conv2d", "name": "block1.conv", "filters": 6, "kernel": 3, "activation": "relu"},
        {"type": "batchnorm", "name": "block1.bn"},
        {"type": "maxpool", "size": 3, "stride": [1, 2]},
        {"type": "conv2d", "filters": 8, "kernel": [2, 3], "padding": "same"},
        {"type": "relu"},
        {"type": "globalavgpool"},
        {"type": "batchnorm", "epsilon": 0.005},
        {"type": "dense", "units": 6, "activation": "relu"},
        {"type": "dense", "name": "head"}]}, 10),
    # Global max pooling straight into the head, softmax over 3 classes.
    "global_max": ({"name": "global_max", "input": [10, 12], "layers": [
        {"type": "conv2d", "filters": 5, "kernel": [1, 7], "padding": "same", "activation": "relu"},
        {"type": "avgpool", "size": 2},
        {"type": "globalmaxpool"},
        {"type": "dropout", "rate": 0.1},
        {"type": "dense"}]}, 3),
}


def preset_spec(name):
    with open(os.path.join(ROOT, "Sources", "Model", "Data", f"{name}.json")) as f:
        return json.load(f)


def make_checkpoint(spec, classes, seed, path):
    """A gcnn checkpoint of `spec` with non-trivial weights and statistics; returns the torch module (eval)."""
    import torch
    from safetensors.torch import save_file
    import gcnn_torch
    g = torch.Generator().manual_seed(seed)
    net = gcnn_torch.build_module(spec, classes, generator=g)
    h, w = net.spec["input"]
    calibration = torch.randn(16, 1, h, w, generator=g) * 15 - 40
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
                m.bias.uniform_(-0.1, 0.1, generator=g)
            elif isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
                m.weight.uniform_(0.5, 1.5, generator=g)
                m.bias.uniform_(-0.3, 0.3, generator=g)
                m.momentum = 1.0  # running statistics := the calibration batch's
        net.train()
        masks = {i: torch.ones((16, *s), dtype=torch.bool) for i, s in net.dropout_shapes().items()}
        net(calibration, dropout_masks=masks)
        for m in net.modules():
            if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
                m.running_mean.add_(torch.empty_like(m.running_mean).uniform_(-0.05, 0.05, generator=g))
                m.running_var.mul_(torch.empty_like(m.running_var).uniform_(0.9, 1.1, generator=g))
                m.num_batches_tracked.fill_(3)
        net.eval()
        head = net._get(net.spec["layers"][-1]["name"])
        logits = net(calibration)
        scale = 2.0 / max(float(logits.std()), 1e-6)
        head.weight.mul_(scale)
        head.bias.mul_(scale).sub_(float(net(calibration).mean()))
    meta = {"format": "pt", "architecture": json.dumps(net.spec), "classes": str(classes),
            "input_height": str(h), "input_width": str(w),
            "labels": ",".join(["metal", "jazz"] if classes == 1 else [f"c{i}" for i in range(classes)])}
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, path, metadata=meta)
    return net


def gcnn_probabilities(gcnn, checkpoint, inputs, folder):
    """`gcnn predict --device cpu --json` on inputs [N, 1, H, W]: P(label 1) [N, 1] or the softmax rows."""
    npy = os.path.join(folder, "inputs.npy")
    np.save(npy, inputs[:, 0])
    out = subprocess.run([gcnn, "predict", "--model", checkpoint, npy, "--device", "cpu", "--json"],
                         check=True, capture_output=True, text=True).stdout
    rows = np.array(json.loads(out.strip().splitlines()[-1])["clips"], dtype=np.float64)
    return rows[:, 1:2] if rows.shape[1] == 2 and checkpoint_classes(checkpoint) == 1 else rows


def checkpoint_classes(path):
    from safetensors import safe_open
    with safe_open(path, "pt") as f:
        return int(f.metadata()["classes"])


def run_one(name, spec, classes, seed, gcnn, folder, n, keep):
    import onnx
    import onnxruntime as ort
    import torch
    checkpoint = os.path.join(folder, f"{name}.safetensors")
    model_path = os.path.join(folder, f"{name}.onnx")
    net = make_checkpoint(spec, classes, seed, checkpoint)
    h, w = net.spec["input"]
    rng = np.random.default_rng(seed + 1)
    inputs = (rng.standard_normal((n, 1, h, w)) * 15 - 40).astype(np.float32)
    subprocess.run([gcnn, "export", "onnx", "--model", checkpoint, "-o", model_path], check=True, capture_output=True)
    model = onnx.load(model_path)
    onnx.checker.check_model(model, full_check=True)
    session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    got = session.run(["probabilities"], {"logmel": inputs})[0].astype(np.float64)
    mine = gcnn_probabilities(gcnn, checkpoint, inputs, folder)
    with torch.no_grad():
        logits = net(torch.from_numpy(inputs)).double()
        reference = (torch.sigmoid(logits) if classes == 1 else torch.softmax(logits, dim=1)).numpy()
    errors = {"onnxruntime_vs_gcnn": float(np.abs(got - mine).max()),
              "onnxruntime_vs_pytorch": float(np.abs(got - reference).max()),
              "gcnn_vs_pytorch": float(np.abs(mine - reference).max())}
    ops = [node.op_type for node in model.graph.node]
    print(f"{name}: {len(ops)} nodes, {os.path.getsize(model_path)} bytes, probabilities in "
          f"[{got.min():.4f}, {got.max():.4f}]; max abs error " + ", ".join(f"{k} {v:.3g}" for k, v in errors.items()))
    if keep:
        inputs.astype("<f4").tofile(os.path.join(FIXTURES, f"{name}.inputs.f32"))
        for ext in ("safetensors", "onnx"):
            with open(os.path.join(folder, f"{name}.{ext}"), "rb") as src, open(os.path.join(FIXTURES, f"{name}.{ext}"), "wb") as dst:
                dst.write(src.read())
        fixture = {
            "description": f"gcnn export onnx of {name}, run by onnxruntime {ort.__version__} (CPU); checked by "
                           f"onnx {onnx.__version__} (full_check); PyTorch {torch.__version__} "
                           "(scripts/make_onnx_fixtures.py)",
            "spec": net.spec, "classes": classes, "inputShape": list(inputs.shape), "ops": ops,
            "onnxruntime": got.tolist(), "maxAbsError": errors,
        }
        with open(os.path.join(FIXTURES, f"{name}.json"), "w") as f:
            json.dump(fixture, f, indent=1)
            f.write("\n")
    return errors


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gcnn", default=os.path.join(ROOT, ".build", "release", "gcnn"))
    parser.add_argument("--presets", action="store_true", help="also measure the paper, fcn and short-chunk presets")
    parser.add_argument("--no-fixtures", action="store_true", help="do not rewrite the committed fixtures")
    args = parser.parse_args()
    ensure_packages()
    os.makedirs(FIXTURES, exist_ok=True)
    worst = 0.0
    with tempfile.TemporaryDirectory() as folder:
        if not args.no_fixtures:
            for seed, (name, (spec, classes)) in enumerate(FIXTURE_SPECS.items()):
                errors = run_one(name, spec, classes, 100 + seed, args.gcnn, folder, n=5, keep=True)
                worst = max(worst, errors["onnxruntime_vs_gcnn"])
        if args.presets:
            for seed, name in enumerate(["paper", "fcn", "short-chunk"]):
                for classes in (1, 10):
                    errors = run_one(f"{name}-{classes}", preset_spec(name), classes, 200 + seed, args.gcnn, folder,
                                     n=4, keep=False)
                    worst = max(worst, errors["onnxruntime_vs_gcnn"])
    print(f"largest onnxruntime vs gcnn error: {worst:.3g}")
    return 0 if worst <= 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main())
