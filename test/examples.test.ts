import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");

describe("examples/appendix-a.ts", () => {
  it("prints what the book prints", () => {
    const out = execFileSync(process.execPath, ["--import", "tsx", "examples/appendix-a.ts"], { cwd: ROOT, encoding: "utf8" });
    for (const line of [
      "torch.int64",
      "tensor(0.0852)",
      "(tensor([-0.0898]),)",
      "(tensor([-0.0817]),)",
      "Total number of trainable model parameters: 2213",
      "torch.Size([30, 50])",
      "tensor([[-0.1262,  0.1080, -0.1792]], grad_fn=<AddmmBackward0>)",
      "tensor([[0.3113, 0.3934, 0.2952]])",
      "Epoch: 001/003 | Batch 000/002 | Train Loss: 0.75",
      "Epoch: 001/003 | Batch 001/002 | Train Loss: 0.65",
      "Epoch: 002/003 | Batch 000/002 | Train Loss: 0.44",
      "Epoch: 002/003 | Batch 001/002 | Train Loss: 0.13",
      "Epoch: 003/003 | Batch 000/002 | Train Loss: 0.03",
      "Epoch: 003/003 | Batch 001/002 | Train Loss: 0.00",
      "tensor([True, True, True, True, True])",
      "tensor([0, 1])",
    ]) {
      expect(out).toContain(line);
    }
  });
});
