#!/usr/bin/env python3
"""PyTorch engine process for Kiln's benchmark (`npm run bench`), started by bench/run.ts.

Speaks JSON lines: one request per line on stdin, one response per line on stdout (everything else
this process prints goes to stderr). The requests and the cases are described in bench/protocol.ts;
this file mirrors bench/engines/kiln.ts: the seed's NeuralNetwork (or W6/W7's MNIST CNN), DataLoader(TensorDataset, shuffle),
F.cross_entropy, optim.SGD / optim.Adam, torch.no_grad, a @ b.

Every case sets its thread count: torch.set_num_threads(1) and, when the BLAS is OpenBLAS,
openblas_set_num_threads(1) (Debian's torch calls the system libblas.so.3, whose OpenBLAS would otherwise
use every core); both at the machine's cores for "N threads" rows (threads "all").
"""
import ctypes
import json
import os
import re
import sys
import time

# Keep stdout for the protocol; route stray prints to stderr.
_proto = os.fdopen(os.dup(1), "w", buffering=1)
os.dup2(2, 1)
sys.stdout = sys.stderr

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset
except Exception as e:  # reported to run.ts, which shows the engine as unavailable
    _proto.write(json.dumps({"ok": False, "error": f"cannot import torch/numpy: {e!r}"}) + "\n")
    sys.exit(0)

CORES = os.cpu_count() or 1


class Skip(Exception):
    pass


def blas_info():
    """Which BLAS torch's matmuls reach. Debian's torch (BLAS_INFO=generic) calls the system
    libblas.so.3, which update-alternatives points at the reference BLAS or at OpenBLAS: read which
    file this process mapped after one matmul."""
    torch.ones(64, 64) @ torch.ones(64, 64)
    with open("/proc/self/maps") as f:
        libs = sorted({line.split()[-1] for line in f if "/" in line and ("blas" in line.lower() or "mkl" in line.lower())})
    m = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
    built = m.group(1) if m else "unknown"
    libblas = [p for p in libs if os.path.basename(p).startswith("libblas.so")]
    if built == "mkl":
        name = "MKL"
    elif built in ("open", "openblas"):
        name = "OpenBLAS"
    elif libblas:
        real = os.path.realpath(libblas[0])
        name = "OpenBLAS" if "openblas" in real.lower() else "reference BLAS" if "/blas/" in real else f"BLAS {real}"
    else:
        name = f"BLAS_INFO={built}"
    info = {"name": name, "BLAS_INFO": built, "libraries": libs, "openblas": None}
    openblas = next((p for p in libs if "libopenblas" in os.path.basename(p).lower()), None)
    handle = None
    if openblas is not None:
        handle = ctypes.CDLL(openblas)
        handle.openblas_get_config.restype = ctypes.c_char_p
        info["openblas"] = handle.openblas_get_config().decode()
    return info, handle


BLAS, OPENBLAS = blas_info()


def set_threads(n):
    torch.set_num_threads(n)
    if OPENBLAS is not None:
        OPENBLAS.openblas_set_num_threads(n)


set_threads(1)


def use_threads(spec):
    """A case's thread count: every core for "all" rows (skipped on one core), else one."""
    if spec.get("threads") == "all":
        if CORES < 2:
            raise Skip("one core")
        set_threads(CORES)
    else:
        set_threads(1)


def info():
    warnings = []
    if BLAS["name"] != "OpenBLAS":
        warnings.append(
            f"PyTorch runs on the {BLAS['name']} ({', '.join(BLAS['libraries']) or 'none found'}), not OpenBLAS: "
            "the issue's comparison is with OpenBLAS; install it with `apt-get install -y libopenblas0-pthread` "
            "(the benchmark does not install anything)"
        )
    return {
        "engine": "torch",
        "description": f"PyTorch {torch.__version__} + {BLAS['name']} (1 thread, or {CORES} in \"N threads\" rows)",
        "details": {
            "version": torch.__version__,
            "numpy": np.__version__,
            "python": sys.version.split()[0],
            "blas": BLAS,
            "config": torch.__config__.show(),
            "parallel": torch.__config__.parallel_info(),
            "cores": CORES,
        },
        "warnings": warnings,
    }


def load(ref):
    x = torch.from_numpy(np.fromfile(ref["xPath"], dtype="<f4").reshape(ref["n"], ref["features"]).copy())
    y = torch.from_numpy(np.fromfile(ref["yPath"], dtype="<i4").astype(np.int64))
    if y.shape[0] != ref["n"]:
        raise ValueError(f"{ref['yPath']} does not hold {ref['n']} labels")
    return x, y


class NeuralNetwork(nn.Module):
    """The seed's model, generalised to any layer sizes."""

    def __init__(self, sizes):
        super().__init__()
        mods = []
        for i in range(len(sizes) - 1):
            if i > 0:
                mods.append(nn.ReLU())
            mods.append(nn.Linear(sizes[i], sizes[i + 1]))
        self.layers = nn.Sequential(*mods)

    def forward(self, x):
        return self.layers(x)


def mnist_cnn():
    """pytorch/examples' MNIST Net (bench/protocol.ts's MNIST_CNN), as one Sequential."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, 1),
        nn.ReLU(),
        nn.Conv2d(32, 64, 3, 1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Dropout(0.25),
        nn.Flatten(1),
        nn.Linear(9216, 128),
        nn.ReLU(),
        nn.Dropout(0.5),
        nn.Linear(128, 10),
    )


def is_cnn(spec):
    return spec["kind"] in ("train-cnn", "infer-cnn")


def build_model(spec):
    return mnist_cnn() if is_cnn(spec) else NeuralNetwork(spec["mlp"]["sizes"])


def load_for(spec):
    """The data set, its rows as [n, 1, 28, 28] images for the CNN."""
    x, y = load(spec["data"])
    return (x.view(-1, 1, 28, 28) if is_cnn(spec) else x), y


class TrainRunner:
    def __init__(self, spec):
        use_threads(spec)
        x, y = load_for(spec)
        torch.manual_seed(spec["seed"])
        self.model = build_model(spec)
        params = self.model.parameters()
        lr = spec["lr"]
        self.opt = torch.optim.SGD(params, lr=lr) if spec["optimizer"] == "sgd" else torch.optim.Adam(params, lr=lr)
        self.loader = DataLoader(TensorDataset(x, y), batch_size=spec["batchSize"], shuffle=True)
        self.model.train()
        # "train": an iteration is an epoch; "train-cnn": one batch, the epochs running on across calls
        self.per_batch = spec["kind"] == "train-cnn"
        self.batches = iter(self.loader)

    def batch(self):
        try:
            return next(self.batches)
        except StopIteration:
            self.batches = iter(self.loader)
            return next(self.batches)

    def run(self, iters):
        model, opt, loader = self.model, self.opt, self.loader
        loss_sum, samples = 0.0, 0
        t0 = time.perf_counter()
        for _ in range(iters):
            for xb, yb in [self.batch()] if self.per_batch else loader:
                loss = F.cross_entropy(model(xb), yb)
                opt.zero_grad()
                loss.backward()
                opt.step()
                b = xb.shape[0]
                loss_sum += loss.item() * b
                samples += b
        seconds = time.perf_counter() - t0
        return {"seconds": seconds, "extra": {"loss": loss_sum / samples}}

    def dispose(self):
        pass


class MatmulRunner:
    def __init__(self, spec):
        use_threads(spec)
        g = torch.Generator().manual_seed(spec["seed"])
        n = spec["n"]
        self.a = torch.randn(n, n, generator=g)
        self.b = torch.randn(n, n, generator=g)

    def run(self, iters):
        a, b = self.a, self.b
        t0 = time.perf_counter()
        for _ in range(iters):
            a @ b
        return {"seconds": time.perf_counter() - t0}

    def dispose(self):
        pass


class InferRunner:
    def __init__(self, spec):
        use_threads(spec)
        self.x, _ = load_for(spec)
        self.b = spec["batchSize"]
        self.blocks = spec["data"]["n"] // self.b
        torch.manual_seed(spec["seed"])
        self.model = build_model(spec)
        self.model.eval()
        self.call = 0

    def run(self, iters):
        model, x, b, blocks = self.model, self.x, self.b, self.blocks
        sink = 0.0
        t0 = time.perf_counter()
        with torch.no_grad():
            for _ in range(iters):
                start = (self.call % blocks) * b
                self.call += 1
                out = model(x[start:start + b])
                sink += out[0, 0].item()
        seconds = time.perf_counter() - t0
        return {"seconds": seconds, "extra": {"checksum": sink}}

    def dispose(self):
        pass


RUNNERS = {"train": TrainRunner, "train-cnn": TrainRunner, "matmul": MatmulRunner, "infer": InferRunner, "infer-cnn": InferRunner}


def main():
    runners = {}
    _proto.write(json.dumps({"ok": True}) + "\n")
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        op = req["op"]
        try:
            if op == "info":
                resp = {"ok": True, "info": info()}
            elif op == "prepare":
                spec = req["spec"]
                runners[req["id"]] = RUNNERS[spec["kind"]](spec)
                resp = {"ok": True}
            elif op == "run":
                resp = {"ok": True, "result": runners[req["id"]].run(req["iters"])}
            elif op == "release":
                r = runners.pop(req["id"], None)
                if r is not None:
                    r.dispose()
                resp = {"ok": True}
            elif op == "exit":
                break
            else:
                resp = {"ok": False, "error": f"unknown op {op}"}
        except Skip as e:
            resp = {"ok": False, "skip": True, "error": str(e)}
        except Exception as e:
            import traceback

            resp = {"ok": False, "error": traceback.format_exc() or repr(e)}
        _proto.write(json.dumps(resp) + "\n")


if __name__ == "__main__":
    main()
