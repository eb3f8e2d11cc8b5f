import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { loadConfig } from "../../src/http/config.js";
import { buildTestApp, type TestApp } from "./helper.js";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..", "..");
const DOCKERFILE = join(ROOT, "docker", "Dockerfile");
const COMPOSE = join(ROOT, "docker", "docker-compose.yml");
const SCALE_OUT = join(ROOT, "docker", "docker-compose.scale-out.yml");

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Splits a Dockerfile into stages of instructions (comments dropped, `\` continuations joined). */
function parseDockerfile(text: string): Stage[] {
  const lines: string[] = [];
  let current = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (current === "" && (line === "" || line.startsWith("#"))) continue;
    if (line.startsWith("#")) continue; // a comment inside a continued instruction
    if (line.endsWith("\\")) {
      current += line.slice(0, -1) + " ";
      continue;
    }
    lines.push(current + line);
    current = "";
  }
  const stages: Stage[] = [];
  for (const line of lines) {
    const [keyword, ...rest] = line.split(/\s+/);
    const instruction = { keyword: keyword!.toUpperCase(), args: rest.join(" ") };
    if (instruction.keyword === "FROM") {
      const [from, as, name] = rest;
      stages.push({ from: from!, name: as?.toUpperCase() === "AS" ? name : undefined, instructions: [] });
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return stages;
}

/** `KEY=value KEY2=value` (the ENV form used here) as a record. */
function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { keyword, args } of stage.instructions) {
    if (keyword !== "ENV") continue;
    for (const pair of args.split(/\s+/)) {
      const i = pair.indexOf("=");
      if (i > 0) env[pair.slice(0, i)] = pair.slice(i + 1).replace(/^"|"$/g, "");
    }
  }
  return env;
}

const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
const last = (stage: Stage, keyword: string) => all(stage, keyword).at(-1);

const stages = parseDockerfile(readFileSync(DOCKERFILE, "utf8"));
const runtime = stages.at(-1)!;
const runtimeEnv = envOf(runtime);

interface ComposeService {
  build: { context: string; dockerfile: string };
  ports: string[];
  environment: Record<string, string>;
  volumes: string[];
  healthcheck: { test: string[]; interval: string; retries: number };
  env_file: { path: string; required: boolean }[];
  restart: string;
}
const compose = parseYaml(readFileSync(COMPOSE, "utf8")) as { services: Record<string, ComposeService>; volumes: Record<string, unknown> };
const service = compose.services.kiln!;

describe("docker/Dockerfile", () => {
  it("builds in stages on node:22-bookworm-slim, with the toolchain for better-sqlite3", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.from).toMatch(/^(node:22-bookworm-slim|toolchain)$/);
    const runs = stages.flatMap((s) => all(s, "RUN")).join("\n");
    expect(runs).toMatch(/apt-get install[^\n]*python3[^\n]*make[^\n]*g\+\+/);
    expect(runs).toMatch(/npm ci\b/);
    expect(runs).toMatch(/npm run build/);
    expect(runs).toMatch(/npm ci --omit=dev/);
  });

  it("compiles the native kernels in npm ci's install step, with the image's Node headers", () => {
    const toolchain = stages.find((s) => s.name === "toolchain")!;
    const copies = all(toolchain, "COPY").join("\n");
    expect(copies).toContain("binding.gyp");
    expect(copies).toContain("src/tensor/kernels/native");
    expect(all(toolchain, "ENV").join("\n")).toContain("npm_config_nodedir=/usr/local");
  });

  it("runs from a clean stage holding only production dependencies, the native addon and dist/", () => {
    expect(runtime.from).toBe("node:22-bookworm-slim");
    const copies = all(runtime, "COPY");
    expect(copies.filter((c) => c.startsWith("--from="))).toHaveLength(3);
    expect(copies).toContain("--from=deps /app/build/Release/kiln_native.node ./build/Release/kiln_native.node");
    const depsStage = stages.find((s) => copies.some((c) => c.startsWith(`--from=${s.name} /app/node_modules`)))!;
    expect(all(depsStage, "RUN").join("\n")).toMatch(/npm ci --omit=dev/);
    expect(all(runtime, "RUN").join("\n")).not.toMatch(/npm (ci|install)|apt-get/);
  });

  it("runs as the non-root node user", () => {
    const user = last(runtime, "USER");
    expect(user).toBe("node");
    // USER comes after every RUN that needs root.
    const keywords = runtime.instructions.map((i) => i.keyword);
    expect(keywords.lastIndexOf("RUN")).toBeLessThan(keywords.indexOf("USER"));
  });

  it("listens on all interfaces and keeps its data in a volume at KILN_DATA_DIR", () => {
    expect(runtimeEnv.HOST).toBe("0.0.0.0");
    expect(runtimeEnv.KILN_DATA_DIR).toBe("/data");
    expect(last(runtime, "VOLUME")).toBe(runtimeEnv.KILN_DATA_DIR);
    expect(all(runtime, "RUN").join("\n")).toContain(`chown node:node ${runtimeEnv.KILN_DATA_DIR}`);
    expect(last(runtime, "EXPOSE")).toBe(runtimeEnv.PORT ?? "3000");
  });

  it("checks /healthz and starts the compiled server", () => {
    expect(last(runtime, "HEALTHCHECK")).toMatch(/CMD \["node", "-e", ".*\/healthz.*"\]/);
    expect(JSON.parse(last(runtime, "CMD")!)).toEqual(["node", "dist/src/http/server.js"]);
    // tsc -p tsconfig.json (rootDir ".", outDir "dist") compiles src/http/server.ts there.
    expect(existsSync(join(ROOT, "src", "http", "server.ts"))).toBe(true);
  });
});

describe("docker/docker-compose.yml", () => {
  it("builds the Dockerfile from the repository root", () => {
    expect(join(ROOT, "docker", service.build.context, service.build.dockerfile)).toBe(DOCKERFILE);
  });

  it("maps the exposed port", () => {
    expect(service.ports).toContain(`3000:${last(runtime, "EXPOSE")}`);
    expect(service.environment.PORT).toBe(last(runtime, "EXPOSE"));
    expect(service.environment.HOST).toBe("0.0.0.0");
  });

  it("mounts a named volume at KILN_DATA_DIR", () => {
    const dataDir = service.environment.KILN_DATA_DIR;
    expect(dataDir).toBe(runtimeEnv.KILN_DATA_DIR);
    const mount = service.volumes.map((v) => v.split(":")).find(([, target]) => target === dataDir);
    expect(mount).toBeDefined();
    expect(compose.volumes).toHaveProperty(mount![0]!);
  });

  it("has a healthcheck on /healthz and a restart policy", () => {
    expect(service.healthcheck.test[0]).toBe("CMD");
    expect(service.healthcheck.test.join(" ")).toContain("/healthz");
    expect(service.healthcheck.retries).toBeGreaterThan(0);
    expect(["always", "unless-stopped", "on-failure"]).toContain(service.restart);
  });

  it("reads the operator key from docker/kiln.env, which git ignores, after its example", () => {
    expect(service.env_file).toEqual([{ path: "kiln.env", required: false }]);
    expect(readFileSync(join(ROOT, ".gitignore"), "utf8").split("\n")).toContain("/docker/kiln.env");
    expect(readFileSync(join(ROOT, "docker", "kiln.env.example"), "utf8")).toMatch(/^KILN_ADMIN_KEY=$/m);
  });

  it("passes `docker compose config`, where the docker CLI has compose", async (ctx) => {
    try {
      await run("docker", ["compose", "version"], { timeout: 10_000 });
    } catch (error) {
      const reason = `docker compose is not available here (${(error as Error).message.split("\n")[0]})`;
      console.warn(`skipped: ${reason}`);
      ctx.skip(reason);
    }
    const { stdout } = await run("docker", ["compose", "-f", COMPOSE, "config", "--format", "json"], { timeout: 30_000 });
    const resolved = JSON.parse(stdout) as { services: Record<string, { volumes: { type: string; target: string }[] }> };
    expect(resolved.services.kiln!.volumes).toContainEqual(expect.objectContaining({ type: "volume", target: "/data" }));
  });
});

describe("docker/docker-compose.scale-out.yml", () => {
  interface ScaleOutService extends Partial<ComposeService> {
    image: string;
    depends_on?: Record<string, { condition: string }>;
  }
  const scaleOut = parseYaml(readFileSync(SCALE_OUT, "utf8"), { merge: true }) as { services: Record<string, ScaleOutService>; volumes: Record<string, unknown> };
  const { api, trainer, postgres, redis } = scaleOut.services;

  it("runs the Dockerfile's image as an API-only process and as trainers, after Postgres and Redis are healthy", () => {
    for (const s of [api!, trainer!]) {
      expect(join(ROOT, "docker", s.build!.context, s.build!.dockerfile)).toBe(DOCKERFILE);
      expect(s.depends_on).toEqual({ postgres: { condition: "service_healthy" }, redis: { condition: "service_healthy" } });
      expect(s.healthcheck!.test.join(" ")).toContain("/healthz");
    }
    expect(api!.ports).toContain(`3000:${last(runtime, "EXPOSE")}`);
    for (const s of [api!, trainer!]) expect(s.env_file).toEqual([{ path: "kiln.env", required: false }]);
    expect(api!.environment!.KILN_WORKERS).toBe("0");
    expect(trainer!.environment!.KILN_WORKERS).toBeUndefined(); // the container's CPUs
    expect(postgres!.image).toMatch(/^postgres:/);
    expect(redis!.image).toMatch(/^redis:/);
    for (const s of [postgres!, redis!]) expect(s.healthcheck!.test[0]).toBe("CMD");
  });

  it("gives both the same store and queue, in settings the service accepts", () => {
    const apiConfig = loadConfig(api!.environment!);
    const trainerConfig = loadConfig(trainer!.environment!);
    expect(apiConfig.databaseUrl).toMatch(/^postgres:\/\/[^@]+@postgres:5432\//);
    expect(apiConfig.redisUrl).toBe("redis://redis:6379");
    expect(trainerConfig.databaseUrl).toBe(apiConfig.databaseUrl);
    expect(trainerConfig.redisUrl).toBe(apiConfig.redisUrl);
    expect(trainerConfig.queueName).toBe(apiConfig.queueName);
    // the database the URL names is the one Postgres creates
    const url = new URL(apiConfig.databaseUrl!);
    expect(postgres!.environment).toMatchObject({ POSTGRES_USER: url.username, POSTGRES_PASSWORD: url.password, POSTGRES_DB: url.pathname.slice(1) });
  });
});

describe("the healthcheck command", () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await buildTestApp();
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    port = (t.app.server.address() as AddressInfo).port;
  });
  afterAll(() => t.close());

  // The same command in both files: node -e "<script>".
  const script = service.healthcheck.test[3]!;
  it("is the Dockerfile's", () => {
    expect(JSON.parse(last(runtime, "HEALTHCHECK")!.replace(/^.*CMD /, ""))).toEqual(["node", "-e", script]);
  });

  it("exits 0 against a healthy server and 1 when nothing answers", async () => {
    await expect(run(process.execPath, ["-e", script], { env: { PORT: String(port) } })).resolves.toBeDefined();
    await t.app.close();
    await expect(run(process.execPath, ["-e", script], { env: { PORT: String(port) } })).rejects.toMatchObject({ code: 1 });
  });
});
