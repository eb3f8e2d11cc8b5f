/**
 * Issue 13's figure for the requests of its probe that Kiln now bounds or streams: `/healthz` p99
 * under 50 ms on a real server process while each one is in progress. The heavy request's answer is
 * read as bytes (not parsed) so that the probe's own process stays idle.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectHealthzResponsiveDuring } from "../helpers/responsiveness.js";
import { startServer, type ServerProcess } from "../http/support/server_process.js";

const dataDir = mkdtempSync(join(tmpdir(), "kiln-stress-"));
let server: ServerProcess;

async function request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; bytes: number }> {
  const res = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
    ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
  });
  return { status: res.status, bytes: (await res.arrayBuffer()).byteLength };
}

async function createModel(spec: object): Promise<string> {
  const res = await fetch(`${server.baseUrl}/v1/models`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(spec) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

/** Runs `work` while probing the server's /healthz, and checks the p99. */
const responsiveWhile = async <T>(what: string, work: () => Promise<T>): Promise<T> => (await expectHealthzResponsiveDuring(what, server.baseUrl, work)).result;

// one server for the whole file: each test measures it under one more kind of load
beforeAll(async () => {
  server = await startServer({ dataDir, workers: 1 });
  // steady state: the first prediction of a process compiles its WebAssembly kernels
  const small = await createModel({ input_shape: [4], layers: [{ type: "Linear", out_features: 3 }] });
  expect((await request("POST", `/v1/models/${small}/predict`, { inputs: [[1, 2, 3, 4]] })).status).toBe(200);
});
afterAll(async () => {
  await server.kill();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("bounded answers (case 1)", () => {
  let wide: string;
  beforeAll(async () => {
    // outputs of shape [1, 1M]: not class scores, which would come with as many probabilities
    const spec = { input_shape: [1, 1], layers: [{ type: "Linear", out_features: 1_000_000 }] };
    wide = await createModel(spec);
    // steady state: the process's first answer of a million numbers compiles the code that builds
    // it (a 74 ms stall once, ~25 ms after); a twin model takes that, and `wide` stays uncached
    const twin = await createModel(spec);
    expect((await request("POST", `/v1/models/${twin}/predict`, { inputs: [[[0.5]]] })).status).toBe(200);
  });

  it("a prediction of 200 samples × 1M outputs", async () => {
    const res = await responsiveWhile("predict 200 × 1M", () => request("POST", `/v1/models/${wide}/predict`, { inputs: Array.from({ length: 200 }, () => [[0.5]]) }));
    expect(res.status).toBe(422);
  });

  it("a prediction of 1 sample × 1M outputs (streamed)", async () => {
    const res = await responsiveWhile("predict 1 × 1M", () => request("POST", `/v1/models/${wide}/predict`, { inputs: [[[0.5]]] }));
    expect(res.status).toBe(200);
    expect(res.bytes).toBeGreaterThan(1_000_000);
  });

  it("weights as JSON of a 10M-parameter model, and of a 900k one (streamed)", async () => {
    const big = await createModel({ input_shape: [1000], layers: [{ type: "Linear", out_features: 9990 }] });
    expect((await responsiveWhile("weights JSON 10M", () => request("GET", `/v1/models/${big}/weights`))).status).toBe(422);
    const medium = await createModel({ input_shape: [1000], layers: [{ type: "Linear", out_features: 900 }] });
    expect((await responsiveWhile("weights JSON 900k", () => request("GET", `/v1/models/${medium}/weights`))).status).toBe(200);
  });
});

describe("connections (case 6)", () => {
  it("3,000 idle connections, opened by another process", async () => {
    // the connecting process is not the probing one: opening sockets must not delay the probes
    const script = `
      const { connect } = require("node:net");
      const sockets = [];
      let opened = 0;
      for (let i = 0; i < 3000; i++) {
        const s = connect({ port: ${server.port}, host: "127.0.0.1" }, () => { if (++opened === 3000) console.log("open"); });
        s.on("error", () => {});
        sockets.push(s);
      }
      setTimeout(() => process.exit(0), 30000);`;
    const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      await responsiveWhile("3,000 idle connections", async () => {
        await new Promise<void>((resolve) => child.stdout!.once("data", () => resolve()));
        await new Promise((resolve) => setTimeout(resolve, 1000));
      });
    } finally {
      child.kill("SIGKILL");
    }
  });
});
