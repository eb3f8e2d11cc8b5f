/**
 * Debian's ONNX checker (python3-onnx) where installed: `onnx.checker.check_model(m, full_check=True)`
 * run by /usr/bin/python3 on a file.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const PYTHON = "/usr/bin/python3";

/** Why the checker cannot run here, or null when it can. */
export function onnxCheckerMissing(): string | null {
  const probe = spawnSync(PYTHON, ["-c", "import onnx"], { encoding: "utf8" });
  if (probe.error) return `${PYTHON} is not installed`;
  return probe.status === 0 ? null : `${PYTHON} cannot import onnx (apt install python3-onnx): ${probe.stderr.trim().split("\n").at(-1)}`;
}

/** The checker's complaint about `bytes`, or null when it accepts them. */
export function onnxCheckerComplaint(bytes: Uint8Array): string | null {
  const dir = mkdtempSync(join(tmpdir(), "kiln-onnx-"));
  try {
    const path = join(dir, "model.onnx");
    writeFileSync(path, bytes);
    const script = "import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)";
    const run = spawnSync(PYTHON, ["-c", script, path], { encoding: "utf8" });
    return run.status === 0 ? null : run.stderr.trim() || `exit ${run.status}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
