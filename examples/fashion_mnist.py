"""PyTorch's twin of examples/fashion-mnist.ts: the same Net behind the same input scaling, Adam
lr 1e-3, batches of 32 shuffled by a generator seeded like Kiln's job, one seed for the weights.
Prints the test accuracy and the time per epoch, to set beside Kiln's.

    /usr/bin/python3 examples/fashion_mnist.py [epochs] [batch_size]     # 1, 32
"""
import gzip
import os
import struct
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

DIR = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")
EPOCHS = int(sys.argv[1]) if len(sys.argv) > 1 else 1
BATCH_SIZE = int(sys.argv[2]) if len(sys.argv) > 2 else 32


def read_idx(name):
    with gzip.open(os.path.join(DIR, name), "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4 : 4 + 4 * dims])
    return torch.frombuffer(bytearray(data[4 + 4 * dims :]), dtype=torch.uint8).reshape(shape)


class Net(nn.Module):
    """pytorch/examples' MNIST Net, on raw pixels: ConvertImageDtype then Normalize first."""

    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
            nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10),
        )

    def forward(self, x):
        x = (x.to(torch.float32) / 255 - 0.286) / 0.353
        return self.layers(x)


torch.manual_seed(1)
model = Net()
images = read_idx("train-images-idx3-ubyte.gz").unsqueeze(1)
labels = read_idx("train-labels-idx1-ubyte.gz").to(torch.int64)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, labels), batch_size=BATCH_SIZE, shuffle=True)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(1, EPOCHS + 1):
    start = time.time()
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
    print(f"epoch {epoch}: train loss {loss.item():.4f} (last batch), {time.time() - start:.1f} s")

model.eval()
test_images = read_idx("t10k-images-idx3-ubyte.gz").unsqueeze(1)
test_labels = read_idx("t10k-labels-idx1-ubyte.gz").to(torch.int64)
with torch.no_grad():
    correct = sum((model(test_images[i : i + 1000]).argmax(1) == test_labels[i : i + 1000]).sum().item() for i in range(0, 10000, 1000))
print(f"test accuracy {correct / 10000:.4f} after {EPOCHS} epoch(s)")
