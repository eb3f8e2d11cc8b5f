"""The seed's toy training (Appendix A.7-A.8) through Kiln's HTTP API with `requests`, ending with
the trained weights in the seed's PyTorch NeuralNetwork: the twin of examples/client.ts.

    npm start                                  # in another terminal
    /usr/bin/python3 examples/client.py        # KILN_URL (default http://127.0.0.1:3000), KILN_API_KEY if keys are on

It prints the losses as the book does, Kiln's predictions and PyTorch's from the downloaded
weights (the same), and the largest difference between their outputs. The weights come as a
safetensors file, read with the `safetensors` package when it is installed and otherwise by hand,
as its format is documented: an 8-byte little-endian header length, a JSON header, raw
little-endian tensors.
"""
import json
import os
import struct

import requests
import torch

BASE_URL = os.environ.get("KILN_URL", "http://127.0.0.1:3000")
session = requests.Session()
if os.environ.get("KILN_API_KEY"):
    session.headers["Authorization"] = "Bearer " + os.environ["KILN_API_KEY"]


def call(method, path, **kwargs):
    """The response of a request that must succeed; otherwise the API's error (code and message)."""
    response = session.request(method, BASE_URL + path, **kwargs)
    if not response.ok:
        raise SystemExit(f"{method} {path}: HTTP {response.status_code} {response.text}")
    return response


def events(job_id):
    """The job's events as they arrive: each one's data (its `type` is the event's name)."""
    with call("GET", f"/v1/jobs/{job_id}/events", stream=True) as response:
        for line in response.iter_lines(decode_unicode=True):
            if line.startswith("data: "):
                yield json.loads(line[len("data: "):])


def load_safetensors(data):
    try:
        from safetensors.torch import load

        return load(data)
    except ImportError:
        pass
    dtypes = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64}
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    header.pop("__metadata__", None)
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        raw = bytearray(data[8 + n + begin : 8 + n + end])
        tensors[name] = torch.frombuffer(raw, dtype=dtypes[info["dtype"]]).reshape(info["shape"])
    return tensors


class NeuralNetwork(torch.nn.Module):
    """The seed's class (Appendix A.5)."""

    def __init__(self, num_inputs, num_outputs):
        super().__init__()
        self.layers = torch.nn.Sequential(
            torch.nn.Linear(num_inputs, 30),
            torch.nn.ReLU(),
            torch.nn.Linear(30, 20),
            torch.nn.ReLU(),
            torch.nn.Linear(20, num_outputs),
        )

    def forward(self, x):
        return self.layers(x)


# A.5: NeuralNetwork(2, 2), its weights drawn as after torch.manual_seed(123)
layers = [
    {"type": "Linear", "out_features": 30},
    {"type": "ReLU"},
    {"type": "Linear", "out_features": 20},
    {"type": "ReLU"},
    {"type": "Linear", "out_features": 2},
]
model = call("POST", "/v1/models", json={"name": "NeuralNetwork(2, 2)", "input_shape": [2], "seed": 123, "layers": layers}).json()
print(model["summary"])

# A.6: the toy training set
X_train = [[-1.2, 3.1], [-0.9, 2.9], [-0.5, 2.6], [2.3, -1.1], [2.7, -1.5]]
y_train = [0, 0, 0, 1, 1]
dataset = call("POST", "/v1/datasets", json={"name": "toy", "features": X_train, "labels": y_train}).json()

# A.7: SGD(lr=0.5), three epochs of DataLoader(batch_size=2, shuffle=True, drop_last=True)
job = call(
    "POST",
    "/v1/jobs",
    json={
        "model_id": model["id"],
        "dataset_id": dataset["id"],
        "loss": "cross_entropy",
        "optimizer": {"type": "SGD", "lr": 0.5},
        "epochs": 3,
        "batch_size": 2,
        "shuffle": True,
        "drop_last": True,
    },
).json()
epochs = job["progress"]["epochs"]
batches = job["progress"]["total_steps"] // epochs
for event in events(job["id"]):
    if event["type"] == "progress":
        print(f"Epoch: {event['epoch']:03d}/{epochs:03d} | Batch {event['batch']:03d}/{batches:03d} | Train Loss: {event['loss']:.2f}")
    elif event["type"] == "done" and event["status"] != "succeeded":
        raise SystemExit(f"the job {event['status']}: {event['error']}")

predicted = call("POST", f"/v1/models/{model['id']}/predict", json={"inputs": X_train}).json()
print("Kiln's predictions", predicted["predictions"])

# A.8: the trained weights in PyTorch
weights = call("GET", f"/v1/models/{model['id']}/weights", headers={"Accept": "application/octet-stream"}).content
torch_model = NeuralNetwork(2, 2)
torch_model.load_state_dict(load_safetensors(weights), strict=True)
torch_model.eval()
with torch.no_grad():
    outputs = torch_model(torch.tensor(X_train))
print("PyTorch's predictions", outputs.argmax(dim=1).tolist())
print("largest output difference", f"{(outputs - torch.tensor(predicted['outputs'])).abs().max().item():.1e}")
