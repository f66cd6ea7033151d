#!/usr/bin/env python3
"""Writes the Keras fixtures of gcnn's Keras import tests, and checks gcnn's Keras exports in Keras.

    python3 make_keras_fixtures.py                 # every fixture (Keras 3 here, Keras 2 in the TF 2.15 venv)
    python3 make_keras_fixtures.py --check-exports .build/debug/gcnn   # Keras loads gcnn's exports?

Keras 2 files come from TensorFlow 2.15 (tf.keras 2.15), run in a venv:
    python3 -m venv /work/venvs/tf215 && /work/venvs/tf215/bin/pip install tensorflow-cpu==2.15.0 "numpy<2"
(KERAS2_PYTHON names another interpreter). Keras 3 files come from the current TensorFlow / Keras 3
(tested: Keras 3.15.1, TensorFlow 2.21). expected.json holds, per model file, the inputs and Keras' own
predictions (`model.predict`), which gcnn's imported network must match within 1e-5.

--check-exports builds a random network for every gcnn preset and every spec of Tests/ModelTests/Fixtures
(PyTorch module from scripts/gcnn_torch.py, saved as a gcnn checkpoint), runs `gcnn export keras` on it,
loads the archive with keras.models.load_model and compares Keras' predictions with `gcnn predict` and
PyTorch's on the same inputs (gcnn on GCNN_DEVICE, default opencl); it prints the largest difference per architecture.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
KERAS2_PYTHON = os.environ.get("KERAS2_PYTHON", "/work/venvs/tf215/bin/python")
CLIPS = 3


def randomise(model, rng):
    """Every weight random but moderate (BatchNorm statistics far from 0 and 1), so mistakes in layout show."""
    import numpy as np
    for layer in model.layers:
        weights = layer.get_weights()
        if not weights:
            continue
        kind = type(layer).__name__
        new = []
        for i, w in enumerate(weights):
            if kind == "BatchNormalization":
                # gamma, beta, moving_mean, moving_variance (all present in these fixtures)
                new.append([rng.uniform(0.5, 1.5, w.shape), rng.normal(0, 0.3, w.shape),
                            rng.normal(0, 0.5, w.shape), rng.uniform(0.5, 2.0, w.shape)][i].astype("float32"))
            elif w.ndim == 1:
                new.append(rng.normal(0, 0.2, w.shape).astype("float32"))
            else:
                fan_in = int(np.prod(w.shape[:-1]))
                new.append((rng.normal(0, 1, w.shape) / np.sqrt(fan_in)).astype("float32"))
        layer.set_weights(new)


def models(keras, version):
    """name → (model, needs_fit). `version` 2 or 3 (for the APIs that differ)."""
    L = keras.layers

    def seq(layers, shape, name):
        if version == 2:
            layers[0]._batch_input_shape = None
            return keras.Sequential([keras.layers.InputLayer(input_shape=shape)] + layers, name=name)
        return keras.Sequential([keras.Input(shape)] + layers, name=name)

    out = {}
    # The paper's network at 4 filters, 3×3 kernels, 16×24 input.
    out["paper"] = lambda: seq([L.Conv2D(4, (3, 3), activation="relu"), L.BatchNormalization(), L.MaxPooling2D((2, 2)),
                                L.Conv2D(4, (3, 3), activation="relu"), L.MaxPooling2D((2, 2)), L.Flatten(),
                                L.Dense(1, activation="sigmoid")], (16, 24, 1), "paper_small")
    # Every layer gcnn has that fits one chain (global pooling in "global").
    out["every_layer"] = lambda: seq([
        L.Conv2D(4, (3, 2), padding="same"), L.BatchNormalization(momentum=0.9, epsilon=1e-3), L.Activation("relu"),
        L.MaxPooling2D((2, 2), strides=(2, 1)), L.Conv2D(3, 3, activation="relu"), L.AveragePooling2D(2),
        L.Dropout(0.25), L.Flatten(), L.BatchNormalization(epsilon=1e-2), L.Dense(6, activation="relu"), L.ReLU(),
        L.Dropout(0.1), L.Dense(3), L.Activation("softmax")], (12, 16, 1), "every_layer")
    out["global_max"] = lambda: seq([
        L.Conv2D(5, 3, activation="relu", padding="same"), L.MaxPooling2D(2), L.GlobalMaxPooling2D(),
        L.Dense(4, activation="relu"), L.BatchNormalization(momentum=0.95), L.Dense(1, activation="sigmoid")],
        (10, 12, 1), "global_max")

    def global_avg():
        x = inp = keras.Input((10, 14, 1))
        x = L.Conv2D(4, (2, 3), activation="relu")(x)
        x = L.BatchNormalization()(x)
        x = L.GlobalAveragePooling2D()(x)
        x = L.Dropout(0.5)(x)
        return keras.Model(inp, L.Dense(3, activation="softmax")(x), name="global_avg")
    out["global_avg"] = global_avg
    # Refused: a layer gcnn lacks, a strided convolution, branches.
    out["unsupported_layer"] = lambda: seq([L.Conv2D(2, 3), L.LeakyReLU(), L.Flatten(), L.Dense(1, activation="sigmoid")],
                                           (8, 8, 1), "unsupported")
    out["strided_conv"] = lambda: seq([L.Conv2D(2, 3, strides=2), L.Flatten(), L.Dense(1, activation="sigmoid")],
                                      (8, 8, 1), "strided")

    def branches():
        inp = keras.Input((8, 8, 1))
        a = L.Conv2D(2, 3, padding="same")(inp)
        b = L.Conv2D(2, 1)(inp)
        x = L.Flatten()(L.Add()([a, b]))
        return keras.Model(inp, L.Dense(1, activation="sigmoid")(x), name="branches")
    out["branches"] = branches
    return out


def fit_and_predict(model, rng, fit=True):
    import numpy as np
    shape = model.input_shape[1:]
    units = model.output_shape[-1]
    if fit:  # one step of Adam, so the files carry optimizer state as training leaves it
        x = rng.normal(0, 1, (4,) + tuple(shape)).astype("float32")
        y = rng.integers(0, 2, (4, 1)).astype("float32") if units == 1 else np.eye(units, dtype="float32")[rng.integers(0, units, 4)]
        model.compile("adam", "binary_crossentropy" if units == 1 else "categorical_crossentropy")
        model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    randomise(model, rng)
    inputs = rng.normal(0, 1, (CLIPS,) + tuple(shape)).astype("float32")
    return inputs, model.predict(inputs, verbose=0).astype("float32")


def short(v):
    """The shortest decimal that reads back as the same float32."""
    import numpy as np
    return float(repr(np.float32(v)).removeprefix("np.float32(").removesuffix(")"))


def record(expected, file, fmt, inputs, probabilities, arch=None):
    entry = {"format": fmt, "count": int(inputs.shape[0]), "input": [int(inputs.shape[1]), int(inputs.shape[2])],
             "outputs": int(probabilities.shape[1]),
             "inputs": [short(v) for v in inputs.reshape(-1)], "probabilities": [short(v) for v in probabilities.reshape(-1)]}
    if arch:
        entry["arch"] = arch
    expected[file] = entry


def keras2():
    """Runs under TensorFlow 2.15 (tf.keras 2.15): Keras 2 full-model HDF5 and save_weights files."""
    import numpy as np
    import tensorflow as tf
    keras = tf.keras
    rng = np.random.default_rng(2)
    expected = {}
    built = models(keras, 2)
    m = built["paper"]()
    x, p = fit_and_predict(m, rng)
    m.save(os.path.join(HERE, "Metal, Jazz.hdf5"))  # the seed's file name, optimizer state included
    record(expected, "Metal, Jazz.hdf5", "keras2", x, p)
    m.save_weights(os.path.join(HERE, "paper_k2.weights.h5"))
    with open(os.path.join(HERE, "paper_k2.json"), "w") as f:
        f.write(m.to_json())
    record(expected, "paper_k2.weights.h5", "weights", x, p, arch="paper_k2.json")
    m.save(os.path.join(HERE, "paper_tf215.keras"))
    record(expected, "paper_tf215.keras", "keras-archive", x, p)
    m = built["every_layer"]()
    x, p = fit_and_predict(m, rng)
    m.save(os.path.join(HERE, "every_layer_k2.h5"))
    record(expected, "every_layer_k2.h5", "keras2", x, p)
    m = built["global_max"]()
    x, p = fit_and_predict(m, rng)
    m.save(os.path.join(HERE, "global_max_k2.h5"), include_optimizer=False)
    record(expected, "global_max_k2.h5", "keras2", x, p)
    m = built["strided_conv"]()
    m.save(os.path.join(HERE, "strided_conv_k2.h5"))
    print(json.dumps({"keras_version": keras.__version__ if hasattr(keras, "__version__") else tf.__version__,
                      "tensorflow": tf.__version__, "expected": expected}))


def keras3(expected):
    import numpy as np
    import keras
    rng = np.random.default_rng(3)
    built = models(keras, 3)
    for name in ["every_layer", "global_avg", "paper"]:
        m = built[name]()
        x, p = fit_and_predict(m, rng)
        m.save(os.path.join(HERE, f"{name}_k3.keras"))
        record(expected, f"{name}_k3.keras", "keras-archive", x, p)
        if name == "every_layer":
            m.save_weights(os.path.join(HERE, "every_layer_k3.weights.h5"))
            with open(os.path.join(HERE, "every_layer_k3.json"), "w") as f:
                f.write(m.to_json())
            record(expected, "every_layer_k3.weights.h5", "weights", x, p, arch="every_layer_k3.json")
        if name == "paper":
            m.save_weights(os.path.join(HERE, "paper_k3.weights.h5"))
            record(expected, "paper_k3.weights.h5", "weights", x, p, arch="paper_small.json")
    for name in ["unsupported_layer", "branches"]:
        built[name]().save(os.path.join(HERE, f"{name}.keras"))
    # The gcnn spec of the small paper network, for weights-only import with a gcnn --arch.
    spec = {"name": "paper_small", "input": [16, 24], "layers": [
        {"type": "conv2d", "name": "conv1", "filters": 4, "kernel": 3, "activation": "relu"},
        {"type": "batchnorm", "name": "bn1"}, {"type": "maxpool", "size": 2},
        {"type": "conv2d", "name": "conv2", "filters": 4, "kernel": 3, "activation": "relu"},
        {"type": "maxpool", "size": 2}, {"type": "flatten"}, {"type": "dense", "name": "fc"}]}
    with open(os.path.join(HERE, "paper_small.json"), "w") as f:
        json.dump(spec, f, indent=1)
    return keras.__version__


def main():
    if "--keras2" in sys.argv:
        return keras2()
    if "--check-exports" in sys.argv:
        return check_exports(sys.argv[sys.argv.index("--check-exports") + 1])
    if not os.path.exists(KERAS2_PYTHON):
        sys.exit(f"{KERAS2_PYTHON} not found: python3 -m venv /work/venvs/tf215 && /work/venvs/tf215/bin/pip install tensorflow-cpu==2.15.0 'numpy<2' (or set KERAS2_PYTHON)")
    run = subprocess.run([KERAS2_PYTHON, __file__, "--keras2"], capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(run.stderr[-4000:])
    k2 = json.loads(run.stdout.strip().splitlines()[-1])
    expected = dict(k2["expected"])
    k3_version = keras3(expected)
    import tensorflow as tf
    doc = {"description": f"Keras fixtures: Keras 2 files from TensorFlow {k2['tensorflow']} (tf.keras {k2['keras_version']}), "
                          f"Keras 3 files from Keras {k3_version} / TensorFlow {tf.__version__}; probabilities are model.predict "
                          "(make_keras_fixtures.py)", "models": expected}
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    for name in sorted(os.listdir(HERE)):
        print(f"{os.path.getsize(os.path.join(HERE, name)):8d}  {name}")


def check_exports(gcnn):
    """Random gcnn networks of every preset and fixture spec → gcnn export keras → Keras vs gcnn vs PyTorch."""
    import tempfile
    import numpy as np
    import torch
    import keras
    from safetensors.torch import save_file
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    import gcnn_torch
    specs = {}
    for name in ["paper", "fcn", "short-chunk"]:
        with open(os.path.join(ROOT, "Sources", "Model", "Data", f"{name}.json")) as f:
            specs[name] = json.load(f)
    for name in ["every_layer", "global_avg", "global_max"]:
        with open(os.path.join(ROOT, "Tests", "ModelTests", "Fixtures", f"{name}.json")) as f:
            specs[name] = json.load(f)["spec"]
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for name, spec in specs.items():
            for classes in [1, 3]:
                net = gcnn_torch.build_module(spec, classes)
                with torch.no_grad():
                    for m in net.modules():
                        if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
                            m.running_mean.normal_(0, 0.5); m.running_var.uniform_(0.5, 2.0)
                            m.weight.uniform_(0.5, 1.5); m.bias.normal_(0, 0.3)
                        elif isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
                            m.bias.normal_(0, 0.2)
                net.eval()
                labels = ["a", "b"] if classes == 1 else ["a", "b", "c"]
                ckpt = os.path.join(tmp, f"{name}-{classes}.safetensors")
                save_file({k: v.contiguous() for k, v in net.state_dict().items()}, ckpt,
                          metadata={"format": "pt", "architecture": json.dumps(spec), "classes": str(classes),
                                    "labels": ",".join(labels)})
                out = os.path.join(tmp, f"{name}-{classes}.keras")
                subprocess.run([gcnn, "export", "keras", "--model", ckpt, "-o", out], check=True)
                h, w = spec["input"]
                n = 2 if name == "fcn" else 4
                x = rng.normal(0, 1, (n, h, w)).astype("float32")
                npy = os.path.join(tmp, "x.npy")
                np.save(npy, x)
                model = keras.models.load_model(out)
                k = model.predict(x[..., None], verbose=0).reshape(n, -1).astype("float64")
                with torch.no_grad():
                    logits = net(torch.from_numpy(x[:, None]))
                    t = (torch.sigmoid(logits) if classes == 1 else torch.softmax(logits, 1)).double().numpy()
                run = subprocess.run([gcnn, "predict", "--model", ckpt, "--device", os.environ.get("GCNN_DEVICE", "opencl"), "--json", npy],
                                     check=True, capture_output=True, text=True)
                g = np.array(json.loads(run.stdout.strip().splitlines()[0])["clips"], dtype="float64")
                g = g[:, 1:] if classes == 1 else g
                dk, dt, dg = float(np.abs(k - g).max()), float(np.abs(k - t).max()), float(np.abs(g - t).max())
                worst = max(worst, dk)
                print(f"{name:12s} classes {classes}: max |Keras − gcnn| {dk:.2e}, |Keras − PyTorch| {dt:.2e}, |gcnn − PyTorch| {dg:.2e}", flush=True)
    print(f"largest |Keras − gcnn| over every export: {worst:.2e} ({'within' if worst <= 1e-5 else 'OUTSIDE'} 1e-5)")
    sys.exit(0 if worst <= 1e-5 else 1)


if __name__ == "__main__":
    main()
