/**
 * Clients generated from `openapi/openapi.json` by openapi-typescript (its `paths` types, with
 * openapi-fetch) and by @hey-api/openapi-ts (its SDK on its fetch client) train the seed's toy
 * model through a listening server: the six losses PyTorch prints, read from the event stream
 * with each event told apart by its `type`, and the training-set predictions.
 *
 * Everything generated lives in a temporary directory: openapi-typescript's `.d.ts`, hey-api's
 * `hey/`, the client scripts (support/client_scripts.ts), their compiled `.js`, and a
 * `node_modules` link to the project's so that both the compiler and Node resolve openapi-fetch
 * from there. No generated type of a payload is `any` (none of their type annotations says
 * `any`); the scripts are type-checked strictly against the generated types (no diagnostics,
 * and `IsAny` checks that the events they narrow are not `any`), a deliberately wrong one must
 * not be, and then the checked scripts themselves run against the app, which requires API keys:
 * the clients send one with every request.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createClient as generateHeyApi } from "@hey-api/openapi-ts";
import openapiTS, { astToString, type OpenAPI3 } from "openapi-typescript";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadFixture, type RefTensor } from "../helpers/fixtures.js";
import { buildTestApp, type TestApp } from "./helper.js";
import { HEY_API_CLIENT, OPENAPI_FETCH_CLIENT, WRONG, type ToyClientModule, type ToyRun } from "./support/client_scripts.js";
import { ROOT } from "./support/server_process.js";

const COMPILER_OPTIONS: ts.CompilerOptions = {
  strict: true,
  noUnusedLocals: true,
  noUnusedParameters: true,
  noImplicitOverride: true,
  noFallthroughCasesInSwitch: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  // the DOM for hey-api's fetch client, which names its BodyInit
  lib: ["lib.es2023.d.ts", "lib.dom.d.ts"],
  types: ["node"],
  // the libraries' .d.ts files are skipped (the DOM's alone took seconds); every generated file is a .ts, checked
  skipLibCheck: true,
  declaration: false,
  sourceMap: false,
};

/** Formats diagnostics as tsc prints them (empty for none). */
function format(diagnostics: readonly ts.Diagnostic[], dir: string): string {
  return ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => dir, getNewLine: () => "\n" });
}

interface Toy {
  X_train: RefTensor;
  y_train: RefTensor;
  losses: number[];
  losses_printed: string[];
  train_predictions: RefTensor;
}
const toy = loadFixture<{ toy_training: Toy }>("appendix-a.json").toy_training;
const rows = (t: RefTensor): number[][] => Array.from({ length: t.shape[0]! }, (_, i) => (t.data as number[]).slice(i * t.shape[1]!, (i + 1) * t.shape[1]!));

let dir: string;
let t: TestApp;
let baseUrl: string;
/** A member key of a tenant of its own, which the client sends. */
let apiKey: string;

async function postAsOperator(operatorKey: string, path: string, body: unknown): Promise<Record<string, string>> {
  const res = await fetch(`${baseUrl}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${operatorKey}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as Record<string, string>;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kiln-client-"));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module", private: true }));
  const operatorKey = randomBytes(32).toString("hex");
  t = await buildTestApp({ config: { adminKey: operatorKey } });
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  const tenant = await postAsOperator(operatorKey, "/v1/tenants", { name: "client" });
  apiKey = (await postAsOperator(operatorKey, "/v1/keys", { role: "member", tenant_id: tenant.id })).key!;
});
afterAll(async () => {
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The `any` keywords in a TypeScript file's code (comments and strings aside), as `line: text`. */
function anyKeywords(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (node.kind === ts.SyntaxKind.AnyKeyword) {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart());
      found.push(`${line + 1}: ${node.parent.getText().slice(0, 120)}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** What the toy run must show, whichever client ran it. */
function expectToyRun(run: ToyRun): void {
  expect(run.job.status).toBe("succeeded");
  expect(run.numParams).toBe(2 * 30 + 30 + 30 * 20 + 20 + 20 * 2 + 2);
  expect(run.losses.map((loss) => loss.toFixed(2))).toEqual(toy.losses_printed);
  expect(run.losses).toHaveLength(toy.losses.length);
  run.losses.forEach((loss, i) => expect(Math.abs(loss - toy.losses[i]!), `step ${i + 1}`).toBeLessThan(1e-5));
  expect(run.predictions).toEqual(toy.train_predictions.data);
  expect(run.statuses).toEqual(["queued", "running", "succeeded"]);
  expect(run.epochs).toEqual([1, 2, 3]);
  expect(run.events.at(-1)).toEqual({ event: "done", type: "done" });
  for (const e of run.events) expect(e.type).toBe(e.event);
}

/** The client scripts, by file name: openapi-typescript's types with openapi-fetch, and hey-api's SDK. */
const clients = ["openapi_fetch_client", "hey_api_client"];

describe("clients generated from openapi/openapi.json", () => {
  /** The generated files and the scripts, checked and compiled: by the first test, for the others to run. */
  let compiled: Promise<void>;

  it("are generated from the document the server serves, type every payload, and check strictly", async () => {
    compiled = generateAndCompile();
    await compiled;
  }, 180_000);

  it.each(clients)("%s trains the seed's toy model and reads its events by type", async (name) => {
    await compiled;
    const client = (await import(pathToFileURL(join(dir, `${name}.js`)).href)) as ToyClientModule;
    expectToyRun(await client.trainToy(baseUrl, apiKey, { features: rows(toy.X_train), labels: toy.y_train.data as number[] }));
  });
});

async function generateAndCompile(): Promise<void> {
  const text = readFileSync(join(ROOT, "openapi", "openapi.json"), "utf8");
  const document = JSON.parse(text) as OpenAPI3;
  expect(await (await fetch(`${baseUrl}/openapi.json`)).json()).toEqual(document);

  // openapi-typescript's Node API: the document → a TypeScript AST → types (a .ts, so that it is checked)
  const declarations = astToString(await openapiTS(document, { silent: true }));
  expect(declarations).toContain("export interface paths");
  expect(declarations).toContain('"text/event-stream": components["schemas"]["JobEvent"]');
  writeFileSync(join(dir, "kiln-api.ts"), declarations);
  // hey-api's Node API: types, its fetch client and the SDK, with .js imports (NodeNext, as tsconfig.json says)
  await generateHeyApi({
    input: JSON.parse(text) as Record<string, unknown>, // a copy of its own: generators may annotate what they read
    output: { path: join(dir, "hey"), tsConfigPath: join(ROOT, "tsconfig.json") },
    plugins: ["@hey-api/typescript", "@hey-api/client-fetch", "@hey-api/sdk"],
    logs: { level: "silent" },
  });
  const heyTypes = readFileSync(join(dir, "hey", "types.gen.ts"), "utf8");
  for (const name of ["Model", "Dataset", "Job", "ApiError", "JobEvent", "ProgressEvent", "EpochEvent", "StatusEvent", "DoneEvent"]) {
    expect(heyTypes).toContain(`export type ${name} = `);
    expect(declarations).toContain(`        ${name}: `);
  }
  expect(heyTypes).toMatch(/export type StreamJobEventsResponses = \{[^}]*200: JobEvent;/);
  for (const file of [join(dir, "kiln-api.ts"), join(dir, "hey", "types.gen.ts"), join(dir, "hey", "sdk.gen.ts")]) {
    expect(anyKeywords(file), file).toEqual([]);
  }

  writeFileSync(join(dir, "openapi_fetch_client.ts"), OPENAPI_FETCH_CLIENT);
  writeFileSync(join(dir, "hey_api_client.ts"), HEY_API_CLIENT);
  writeFileSync(join(dir, "wrong.ts"), WRONG);

  // the types are real: one strict program over the clients and wrong.ts (and the generated files);
  // all but wrong.ts check without a diagnostic ...
  const wrongFile = join(dir, "wrong.ts");
  const program = ts.createProgram([...clients.map((name) => join(dir, `${name}.ts`)), wrongFile], { ...COMPILER_OPTIONS, outDir: dir });
  expect(program.getSourceFile(join(dir, "kiln-api.ts"))).toBeDefined();
  expect(program.getSourceFile(join(dir, "hey", "sdk.gen.ts"))).toBeDefined();
  const diagnostics = ts.getPreEmitDiagnostics(program);
  const outside = diagnostics.filter((d) => d.file?.fileName !== wrongFile);
  expect(format(outside, dir)).toBe("");
  // ... and every wrong call in wrong.ts is an error, each on its own line
  const rejected = diagnostics.filter((d) => d.file?.fileName === wrongFile);
  const lines = new Set(rejected.map((d) => d.file!.getLineAndCharacterOfPosition(d.start!).line + 1));
  expect([...lines].sort((a, b) => a - b), format(rejected, dir)).toEqual([7, 8, 9, 11]);
  expect(format(rejected, dir)).toContain('"cross_entropyy"');
  expect(format(rejected, dir)).toContain("input_shape");
  // the scripts run as compiled by this program: they and what they import (hey-api's SDK and client)
  const emitted = program.emit();
  expect(emitted.emitSkipped).toBe(false);
  expect(format(emitted.diagnostics, dir)).toBe("");
}
