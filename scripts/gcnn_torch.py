#!/usr/bin/env python3
"""gcnn's networks in PyTorch: a module built from an architecture spec, with gcnn's tensor names and shapes.

gcnn describes a network by a JSON spec (Sources/Model/Data/*.json holds the presets), e.g. the paper's:

    {"name": "paper", "input": [64, 173], "layers": [
      {"type": "conv2d", "name": "conv1", "filters": 64, "kernel": 5, "padding": "valid", "activation": "relu"},
      {"type": "batchnorm", "name": "bn1", "momentum": 0.99, "epsilon": 0.001},
      {"type": "maxpool", "size": 2},
      {"type": "conv2d", "name": "conv2", "filters": 64, "kernel": 5, "activation": "relu"},
      {"type": "maxpool", "size": 2},
      {"type": "dense", "name": "fc"}]}

Layer types: conv2d (filters, kernel int or [h, w], padding "valid"/"same" as Keras pads, activation "relu"
or absent; stride 1, bias), batchnorm (Keras' momentum and epsilon; 2-D or 1-D by the tensor it meets),
relu, maxpool/avgpool (size, stride = size by default, floor), globalmaxpool/globalavgpool ([N,C,H,W] →
[N,C]), dropout (rate), flatten (also implied before a dense that meets a 4-D tensor; C, H, W order), dense
(units, activation). The last layer is a dense without units: `classes` outputs (1: sigmoid + BCE, else
softmax + CE); the module returns logits. Input [N, 1, mel bands, frames].

Use it from a script next to this one (or with scripts/ on sys.path):

    import json, gcnn_torch
    net = gcnn_torch.build_module(json.load(open("arch.json")), classes=1)   # Keras (Glorot) initialisation
    net, meta = gcnn_torch.load_checkpoint("runs/x/model.safetensors")        # strict=True load
    logits = net(x)                                                           # x: [N, 1, H, W] log-mel dB
    masks = gcnn_torch.dropout_masks(net, batch=32, seed=7, step=1)           # gcnn's Philox masks
    logits = net(x, dropout_masks=masks)                                      # a training step as gcnn's

`state_dict()` holds exactly the tensors of gcnn's `model.safetensors`, in layer order: `<name>.weight` and
`<name>.bias` of conv2d ([out, in, kh, kw]) and dense ([out, in]); `<name>.weight` (γ), `.bias` (β),
`.running_mean`, `.running_var`, `.num_batches_tracked` of batchnorm. Default names count the layers of a
kind in order: conv1, conv2, …; bn1, …; fc1, fc2, … (a layer's `name` overrides).

    python3 scripts/gcnn_torch.py --self-test     # the paper spec's names and shapes are the README's
    python3 scripts/gcnn_torch.py SPEC.json [--classes N]   # prints the resolved spec and the state_dict
"""
import copy
import json
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

PAPER_SPEC = {
    "name": "paper", "input": [64, 173],
    "layers": [
        {"type": "conv2d", "name": "conv1", "filters": 64, "kernel": 5, "padding": "valid", "activation": "relu"},
        {"type": "batchnorm", "name": "bn1", "momentum": 0.99, "epsilon": 0.001},
        {"type": "maxpool", "size": 2},
        {"type": "conv2d", "name": "conv2", "filters": 64, "kernel": 5, "activation": "relu"},
        {"type": "maxpool", "size": 2},
        {"type": "dense", "name": "fc"},
    ],
}

LAYER_TYPES = ("conv2d", "batchnorm", "relu", "maxpool", "avgpool", "globalmaxpool", "globalavgpool",
               "dropout", "flatten", "dense")
NAME_PREFIX = {"conv2d": "conv", "batchnorm": "bn", "dense": "fc"}
KEYS = {
    "conv2d": {"type", "name", "filters", "kernel", "padding", "activation"},
    "batchnorm": {"type", "name", "momentum", "epsilon"},
    "relu": {"type"},
    "maxpool": {"type", "size", "stride"},
    "avgpool": {"type", "size", "stride"},
    "globalmaxpool": {"type"},
    "globalavgpool": {"type"},
    "dropout": {"type", "rate"},
    "flatten": {"type"},
    "dense": {"type", "name", "units", "activation"},
}


def pair(value, what):
    """An int or [h, w] as (h, w)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value, value
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return tuple(value)
    raise ValueError(f"{what}: expected an int or [h, w], got {value!r}")


def resolve(spec):
    """A copy of `spec` with default names and values filled in (names as gcnn writes them to the checkpoint's
    `architecture`); raises ValueError on an unknown type or key, a bad value, or a duplicate name."""
    spec = copy.deepcopy(spec)
    if not isinstance(spec.get("input"), list) or len(spec["input"]) != 2:
        raise ValueError(f"input: expected [mel bands, frames], got {spec.get('input')!r}")
    layers = spec.get("layers")
    if not layers or layers[-1].get("type") != "dense" or "units" in layers[-1]:
        raise ValueError("the last layer must be a dense without units (the classifier head)")
    counts, names = {}, set()
    for i, layer in enumerate(layers):
        kind = layer.get("type")
        if kind not in LAYER_TYPES:
            raise ValueError(f"layers[{i}]: unknown type {kind!r} (one of {', '.join(LAYER_TYPES)})")
        unknown = set(layer) - KEYS[kind]
        if unknown:
            raise ValueError(f"layers[{i}] ({kind}): unknown keys {sorted(unknown)}")
        if kind in NAME_PREFIX:
            counts[kind] = counts.get(kind, 0) + 1
            layer.setdefault("name", f"{NAME_PREFIX[kind]}{counts[kind]}")
            if layer["name"] in names:
                raise ValueError(f"layers[{i}]: duplicate name {layer['name']!r}")
            names.add(layer["name"])
        if kind == "conv2d":
            kh, kw = pair(layer.get("kernel"), f"layers[{i}].kernel")
            if not (1 <= kh <= 7 and 1 <= kw <= 7):
                raise ValueError(f"layers[{i}].kernel: sides must be 1…7, got {layer['kernel']!r}")
            if not isinstance(layer.get("filters"), int) or layer["filters"] < 1:
                raise ValueError(f"layers[{i}].filters: expected a positive int")
            layer.setdefault("padding", "valid")
            if layer["padding"] not in ("valid", "same"):
                raise ValueError(f"layers[{i}].padding: \"valid\" or \"same\", got {layer['padding']!r}")
        elif kind == "batchnorm":
            layer.setdefault("momentum", 0.99)
            layer.setdefault("epsilon", 0.001)
        elif kind in ("maxpool", "avgpool"):
            pair(layer.get("size"), f"layers[{i}].size")
            layer.setdefault("stride", layer["size"])
            pair(layer["stride"], f"layers[{i}].stride")
        elif kind == "dropout":
            rate = layer.get("rate")
            if not isinstance(rate, (int, float)) or not 0 <= rate < 1:
                raise ValueError(f"layers[{i}].rate: expected 0 ≤ rate < 1, got {rate!r}")
        elif kind == "dense" and i != len(layers) - 1:
            if not isinstance(layer.get("units"), int) or layer["units"] < 1:
                raise ValueError(f"layers[{i}].units: expected a positive int (only the last dense has none)")
        if layer.get("activation", "relu") != "relu":
            raise ValueError(f"layers[{i}].activation: only \"relu\" (or none), got {layer['activation']!r}")
    return spec


def keras_momentum(momentum):
    """PyTorch's momentum for Keras' `momentum` (12 significant digits, so that 0.99 gives exactly 0.01)."""
    return float(f"{1.0 - momentum:.12g}")


def dropout_scale(rate):
    """gcnn's factor for kept dropout values: Float(1)/(Float(1) − Float(rate)) in float32 arithmetic (as
    Sources/Model/Philox.swift; it equals float32(1/(1 − rate)) for 0.25, 0.3, 0.5, not for 0.9)."""
    one = torch.tensor(1.0, dtype=torch.float32)
    return float(one / (one - torch.tensor(rate, dtype=torch.float32)))


def same_padding(kernel):
    """Keras' "same" padding at stride 1: (left, right, top, bottom), the odd one at the bottom/right."""
    kh, kw = kernel
    return ((kw - 1) // 2, kw - 1 - (kw - 1) // 2, (kh - 1) // 2, kh - 1 - (kh - 1) // 2)


class GcnnNet(nn.Module):
    """A gcnn network from a resolved spec; see the module docstring. `plan` lists one step per spec layer
    (and implied flattens), each (kind, spec index, layer dict, input shape without the batch)."""

    def _add(self, name, module):
        """Registers `module` under a possibly dotted name (`layer1.conv` is `self.layer1.conv`), so the
        state_dict keys are gcnn's tensor names."""
        *path, last = name.split(".")
        parent = self
        for part in path:
            if part not in parent._modules:
                parent.add_module(part, nn.Module())
            parent = parent._modules[part]
        parent.add_module(last, module)

    def _get(self, name):
        module = self
        for part in name.split("."):
            module = module._modules[part]
        return module

    def __init__(self, spec, classes):
        super().__init__()
        self.spec, self.classes = spec, classes
        self.plan = []
        shape = (1, *spec["input"])  # (C, H, W) or (F,)
        for index, layer in enumerate(spec["layers"]):
            kind = layer["type"]
            if kind == "dense" and len(shape) == 3:
                self.plan.append(("flatten", index, {"type": "flatten", "implied": True}, shape))
                shape = (math.prod(shape),)
            if kind in ("conv2d", "maxpool", "avgpool", "globalmaxpool", "globalavgpool", "flatten") and len(shape) != 3:
                raise ValueError(f"layers[{index}] ({kind}) needs a [N, C, H, W] tensor, meets [N, {shape[0]}]")
            self.plan.append((kind, index, layer, shape))
            c = shape[0]
            if kind == "conv2d":
                k = pair(layer["kernel"], "kernel")
                self._add(layer["name"], nn.Conv2d(c, layer["filters"], k, bias=True))
                h, w = shape[1:] if layer["padding"] == "same" else (shape[1] - k[0] + 1, shape[2] - k[1] + 1)
                shape = (layer["filters"], h, w)
            elif kind == "batchnorm":
                bn = (nn.BatchNorm2d if len(shape) == 3 else nn.BatchNorm1d)(
                    c, eps=layer["epsilon"], momentum=keras_momentum(layer["momentum"]))
                self._add(layer["name"], bn)
            elif kind in ("maxpool", "avgpool"):
                (sh, sw), (th, tw) = pair(layer["size"], "size"), pair(layer["stride"], "stride")
                shape = (c, (shape[1] - sh) // th + 1, (shape[2] - sw) // tw + 1)
            elif kind in ("globalmaxpool", "globalavgpool"):
                shape = (c,)
            elif kind == "flatten":
                shape = (math.prod(shape),)
            elif kind == "dense":
                units = classes if index == len(spec["layers"]) - 1 else layer["units"]
                self._add(layer["name"], nn.Linear(c, units))
                shape = (units,)
            if any(s < 1 for s in shape):
                raise ValueError(f"layers[{index}] ({kind}) leaves an empty tensor {list(shape)}")
        self.output_shape = shape

    def dropout_shapes(self):
        """{spec index of each dropout layer: the shape of its input without the batch}."""
        return {index: shape for kind, index, _, shape in self.plan if kind == "dropout"}

    def forward(self, x, dropout_masks=None, trace=None):
        """Logits of x [N, 1, H, W]. In training mode a dropout layer whose spec index is in `dropout_masks`
        keeps where that bool tensor (its input's shape, or flat in NCHW order) is True and scales the kept
        values by `dropout_scale(rate)`, as gcnn does; without a mask it uses PyTorch's own dropout. Eval: no dropout.
        `trace(kind, spec index, layer, input)`, if given, sees the input of every ReLU (also a conv's or a
        dense's own), max pool, global max pool and batch norm."""
        def relu(t):
            if trace is not None:
                trace("relu", index, layer, t)
            return torch.relu(t)

        for kind, index, layer, _ in self.plan:
            if trace is not None and kind in ("maxpool", "globalmaxpool", "batchnorm"):
                trace(kind, index, layer, x)
            if kind == "conv2d":
                conv = self._get(layer["name"])
                if layer["padding"] == "same":
                    left, right, top, bottom = same_padding(conv.kernel_size)
                    if left == right and top == bottom:
                        x = F.conv2d(x, conv.weight, conv.bias, padding=(top, left))
                    else:
                        x = conv(F.pad(x, (left, right, top, bottom)))
                else:
                    x = conv(x)
                if layer.get("activation") == "relu":
                    x = relu(x)
            elif kind == "batchnorm":
                x = self._get(layer["name"])(x)
            elif kind == "relu":
                x = relu(x)
            elif kind == "maxpool":
                x = F.max_pool2d(x, pair(layer["size"], "size"), pair(layer["stride"], "stride"))
            elif kind == "avgpool":
                x = F.avg_pool2d(x, pair(layer["size"], "size"), pair(layer["stride"], "stride"))
            elif kind == "globalmaxpool":
                x = torch.amax(x, dim=(2, 3))
            elif kind == "globalavgpool":
                x = torch.mean(x, dim=(2, 3))
            elif kind == "dropout":
                if self.training and layer["rate"] > 0:
                    if dropout_masks is not None and index in dropout_masks:
                        mask = torch.as_tensor(dropout_masks[index], device=x.device).reshape(x.shape)
                        scale = torch.tensor(dropout_scale(layer["rate"]), dtype=x.dtype, device=x.device)
                        x = torch.where(mask, x * scale, torch.zeros((), dtype=x.dtype, device=x.device))
                    else:
                        x = F.dropout(x, layer["rate"], training=True)
            elif kind == "flatten":
                x = torch.flatten(x, 1)
            elif kind == "dense":
                x = self._get(layer["name"])(x)
                if layer.get("activation") == "relu":
                    x = relu(x)
        return x


def keras_initialise(module, generator=None):
    """Keras' initialisation in place: Glorot-uniform kernels (conv fans in·kh·kw and out·kh·kw, dense in and
    out), zero biases, γ 1, β 0, running mean 0, running variance 1, num_batches_tracked 0."""
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.xavier_uniform_(m.weight, generator=generator)
                nn.init.zeros_(m.bias)
            elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                m.reset_parameters()


def build_module(spec, classes, init="keras", generator=None):
    """The network of `spec` (resolved here) with a head of `classes` outputs. init "keras": gcnn's
    (Glorot-uniform, zero biases) drawn from torch's generator; "torch": PyTorch's defaults as constructed."""
    if classes < 1:
        raise ValueError(f"classes must be ≥ 1, got {classes}")
    net = GcnnNet(resolve(spec), classes)
    if init == "keras":
        keras_initialise(net, generator)
    elif init != "torch":
        raise ValueError(f"init: \"keras\" or \"torch\", got {init!r}")
    return net


def dropout_masks(module, batch, seed, step):
    """gcnn's dropout masks for one training step ({spec index: bool tensor of the input's shape}), drawn by
    scripts/gcnn_philox.py (Philox4x32-10; counter (element, layer, step))."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import gcnn_philox
    masks = {}
    for index, shape in module.dropout_shapes().items():
        rate = module.spec["layers"][index]["rate"]
        keep = gcnn_philox.dropout_keep(seed, index, step, batch * math.prod(shape), rate)
        masks[index] = torch.from_numpy(keep.reshape(batch, *shape))
    return masks


def load_checkpoint(path, map_location="cpu"):
    """(module in eval mode, metadata dict) of a gcnn `model.safetensors`, loaded with strict=True. The
    architecture comes from the metadata's `architecture`; a checkpoint without one (written before specs)
    is the paper's network with the metadata's filters, kernel and input size."""
    from safetensors import safe_open
    from safetensors.torch import load_file
    with safe_open(path, "pt") as f:
        meta = dict(f.metadata() or {})
    state = load_file(path, device=map_location)
    if "architecture" in meta:
        spec = json.loads(meta["architecture"])
    else:
        spec = copy.deepcopy(PAPER_SPEC)
        if "input_height" in meta and "input_width" in meta:
            spec["input"] = [int(meta["input_height"]), int(meta["input_width"])]
        for layer in spec["layers"]:
            if layer["type"] == "conv2d":
                layer["filters"] = int(meta.get("filters", 64))
                layer["kernel"] = int(meta.get("kernel", 5))
    classes = int(meta["classes"]) if "classes" in meta else int(state[resolve(spec)["layers"][-1]["name"] + ".weight"].shape[0])
    net = build_module(spec, classes, init="torch").to(map_location)
    net.load_state_dict(state, strict=True)
    net.eval()
    return net, meta


def state_shapes(module):
    return [(name, list(t.shape)) for name, t in module.state_dict().items()]


def self_test():
    expected = [
        ("conv1.weight", [64, 1, 5, 5]), ("conv1.bias", [64]),
        ("bn1.weight", [64]), ("bn1.bias", [64]), ("bn1.running_mean", [64]), ("bn1.running_var", [64]),
        ("bn1.num_batches_tracked", []),
        ("conv2.weight", [64, 64, 5, 5]), ("conv2.bias", [64]),
        ("fc.weight", [1, 33280]), ("fc.bias", [1]),
    ]
    failures = []
    for classes in (1, 10):
        net = build_module(PAPER_SPEC, classes)
        want = [(n, [classes] + s[1:] if n.startswith("fc.") else s) for n, s in expected]
        got = state_shapes(net)
        if got != want:
            failures.append(f"classes {classes}: state_dict {got} != {want}")
        if net.state_dict()["bn1.num_batches_tracked"].dtype != torch.int64:
            failures.append("bn1.num_batches_tracked is not int64")
        if abs(net.bn1.momentum - 0.01) > 0 or net.bn1.eps != 1e-3:
            failures.append(f"bn1 momentum {net.bn1.momentum}, eps {net.bn1.eps}")
        out = net.eval()(torch.zeros(2, 1, 64, 173))
        if list(out.shape) != [2, classes]:
            failures.append(f"classes {classes}: logits shape {list(out.shape)}")
    names = [l.get("name") for l in resolve({"input": [8, 8], "layers": [
        {"type": "conv2d", "filters": 2, "kernel": 3}, {"type": "batchnorm"}, {"type": "conv2d", "filters": 2, "kernel": 3},
        {"type": "dense", "units": 3}, {"type": "batchnorm"}, {"type": "dense"}]})["layers"]]
    if names != ["conv1", "bn1", "conv2", "fc1", "bn2", "fc2"]:
        failures.append(f"default names {names}")
    # Keras' "same": a 4×4 kernel pads 1 above/left and 2 below/right.
    net = build_module({"input": [5, 6], "layers": [{"type": "conv2d", "filters": 1, "kernel": 4, "padding": "same"},
                                                    {"type": "dense"}]}, 1)
    with torch.no_grad():
        net.conv1.weight.zero_()
        net.conv1.weight[0, 0, 0, 0] = 1  # output (i, j) = input (i − 1, j − 1)
        x = torch.arange(30.0).reshape(1, 1, 5, 6)
        y = F.pad(x, same_padding((4, 4)))
        y = F.conv2d(y, net.conv1.weight)
    if not torch.equal(y[0, 0, 1:, 1:], x[0, 0, :4, :5]) or y[0, 0, 0].abs().sum() != 0:
        failures.append("same padding is not Keras' (1 before, 2 after for a 4-wide kernel)")
    for f in failures:
        print("FAIL:", f)
    print("gcnn_torch self-test:", "failed" if failures else "ok (paper state_dict names and shapes as the README's)")
    return 1 if failures else 0


def main(argv):
    if argv[:1] == ["--self-test"]:
        return self_test()
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    classes = int(argv[argv.index("--classes") + 1]) if "--classes" in argv else 1
    with open(argv[0]) as f:
        net = build_module(json.load(f), classes)
    print(json.dumps(net.spec))
    for name, shape in state_shapes(net):
        print(f"{name} {shape}")
    print(f"output {list(net.output_shape)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
