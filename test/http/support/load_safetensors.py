"""Loads a Kiln safetensors file into the seed's NeuralNetwork with PyTorch and prints its outputs.

The `safetensors` Python package is not installable here (not in Debian 12, and PyPI is out of
reach), so this reads the file as that package documents the format — an 8-byte little-endian
header length, a JSON header, raw little-endian tensors — then `load_state_dict(strict=True)`.

usage: python3 load_safetensors.py FILE '<layers json>' IN_FEATURES '<inputs json>'
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


def build(spec, n_in):
    mods = []
    for s in spec:
        if s["type"] == "Linear":
            mods.append(torch.nn.Linear(n_in, s["out_features"]))
            n_in = s["out_features"]
        elif s["type"] == "ReLU":
            mods.append(torch.nn.ReLU())
        else:
            raise ValueError(s["type"])
    return mods


path, layers, n_in, inputs = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4])
state, meta = load_file(path)
model = NeuralNetwork(build(layers, n_in))
model.load_state_dict(state, strict=True)
model.eval()
with torch.no_grad():
    out = model(torch.tensor(inputs, dtype=torch.float32))
print(json.dumps({"metadata": meta, "dtypes": sorted({str(v.dtype) for v in state.values()}), "outputs": out.tolist()}))
