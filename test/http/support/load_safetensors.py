"""Loads a Kiln safetensors file into the seed's NeuralNetwork with PyTorch and prints its outputs.

The `safetensors` Python package is not installable here (not in Debian 12, and PyPI is out of
reach), so this reads the file as that package documents the format — an 8-byte little-endian
header length, a JSON header, raw little-endian tensors — then `load_state_dict(strict=True)`.

The network is built from Kiln's layer specs (torch.nn's class names and snake_case arguments):
each Linear's in_features and each convolution's or batch norm's channels are those reaching it,
as Kiln infers them.

usage: python3 load_safetensors.py FILE '<layers json>' '<input shape json>' '<inputs json>'
"""
import json, struct, sys
import torch

DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "BOOL": torch.bool}


def load_file(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    data = raw[8 + n :]
    out = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=DTYPES[info["dtype"]])
        out[name] = t.reshape(info["shape"])
    return out, meta


class NeuralNetwork(torch.nn.Module):
    def __init__(self, layers):
        super().__init__()
        self.layers = torch.nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)


CHANNELS = {"Conv1d": "in_channels", "Conv2d": "in_channels", "BatchNorm1d": "num_features", "BatchNorm2d": "num_features"}


def build(spec, input_shape):
    x = torch.zeros(2, *input_shape)
    mods = []
    for s in spec:
        kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in s.items() if k != "type"}
        if s["type"] == "Linear":
            kwargs["in_features"] = x.shape[-1]
        if s["type"] in CHANNELS:
            kwargs[CHANNELS[s["type"]]] = x.shape[1]
        mod = getattr(torch.nn, s["type"])(**kwargs).eval()
        x = mod(x)
        mods.append(mod)
    return mods


path, layers, input_shape, inputs = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3]), json.loads(sys.argv[4])
state, meta = load_file(path)
model = NeuralNetwork(build(layers, input_shape))
model.load_state_dict(state, strict=True)
model.eval()
with torch.no_grad():
    out = model(torch.tensor(inputs, dtype=torch.float32))
own = model.state_dict()
print(
    json.dumps(
        {
            "metadata": meta,
            "dtypes": {k: str(v.dtype) for k, v in state.items()},
            # the dtypes the module's own state dict has: load_state_dict would cast others silently
            "module_dtypes": {k: str(v.dtype) for k, v in own.items()},
            "int64_values": {k: v.tolist() for k, v in own.items() if v.dtype == torch.int64},
            "outputs": out.tolist(),
        }
    )
)
