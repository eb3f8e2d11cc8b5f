import { execFile, execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type ServerProcess } from "./http/support/server_process.js";

const ROOT = join(import.meta.dirname, "..");

/** The book's six lines of A.7, which the toy training prints in-process and through HTTP alike. */
const LOSS_LINES = [
  "Epoch: 001/003 | Batch 000/002 | Train Loss: 0.75",
  "Epoch: 001/003 | Batch 001/002 | Train Loss: 0.65",
  "Epoch: 002/003 | Batch 000/002 | Train Loss: 0.44",
  "Epoch: 002/003 | Batch 001/002 | Train Loss: 0.13",
  "Epoch: 003/003 | Batch 000/002 | Train Loss: 0.03",
  "Epoch: 003/003 | Batch 001/002 | Train Loss: 0.00",
];

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
      ...LOSS_LINES,
      "tensor([True, True, True, True, True])",
      "tensor([0, 1])",
    ]) {
      expect(out).toContain(line);
    }
  });
});

const PYTHON = "/usr/bin/python3";
const hasTorchAndRequests = spawnSync(PYTHON, ["-c", "import torch, requests"]).status === 0;
const run = promisify(execFile);

describe("the walkthrough through HTTP, against a server process", () => {
  let server: ServerProcess;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "kiln-examples-"));
    server = await startServer({ dataDir });
  }, 60_000);
  afterAll(async () => {
    await server?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, KILN_URL: server.baseUrl });

  it("examples/client.ts (openapi-fetch with openapi/kiln-api.d.ts) prints the book's losses and saves the weights", async () => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", "examples/client.ts"], { cwd: ROOT, env: env() });
    expect(stdout).toContain("Total number of trainable model parameters: 752");
    for (const line of LOSS_LINES) expect(stdout).toContain(line);
    expect(stdout).toContain("predictions [0,0,0,1,1]");
    const saved = /saved (\d+) bytes of weights to (\S+)/.exec(stdout);
    expect(saved, stdout).not.toBeNull();
    rmSync(join(saved![2]!, ".."), { recursive: true, force: true });
  }, 60_000);

  it.skipIf(!hasTorchAndRequests)("examples/client.py (requests) prints the book's losses and ends with the weights in PyTorch", async () => {
    const { stdout } = await run(PYTHON, ["examples/client.py"], { cwd: ROOT, env: env() });
    for (const line of LOSS_LINES) expect(stdout).toContain(line);
    expect(stdout).toContain("Kiln's predictions [0, 0, 0, 1, 1]");
    expect(stdout).toContain("PyTorch's predictions [0, 0, 0, 1, 1]");
    const difference = Number(/largest output difference (\S+)/.exec(stdout)?.[1]);
    expect(difference).toBeLessThan(1e-5);
  }, 60_000);
});
