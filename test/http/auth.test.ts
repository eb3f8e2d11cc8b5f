/**
 * API keys against the real service (a server process on a SQLite file): who gets 401 and 403,
 * what admin and operator keys manage, revocation on the next request, the start-up modes (open on
 * loopback, a refusal on any other host without keys), and that no key rests in clear anywhere:
 * not in the database file, its WAL or the logs. Then the key's statuses on a scale-out deployment
 * (two processes sharing Postgres and Redis): a key revoked through one is refused by the other at
 * once, and no key rests in clear in any Postgres table or either process's logs.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import request from "supertest";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { postgresAvailable, redisAvailable, scaleOutNamespace, TEST_DATABASE_URL } from "../helpers/services.js";
import { ServerProcess, freePort, startServer } from "./support/server_process.js";
import { MODEL } from "./support/training.js";

// not serverProcessScope: it kills every server after each test, and the first describe keeps one
const dirs: string[] = [];
const dataDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "kiln-auth-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The operator key, as KILN_ADMIN_KEY. */
const ADMIN_KEY = `operator-${randomBytes(24).toString("hex")}`;
const bearer = (key: string): { authorization: string } => ({ authorization: `Bearer ${key}` });
/** Authorization headers that are not `Bearer <key>`. */
const MALFORMED_HEADERS = ["Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", "bearer"];

interface CreatedKey {
  id: string;
  key: string;
  prefix: string;
  role: string;
  tenant_id: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

/** Waits until `check` holds (polling), or fails after `timeoutMs`. */
async function waitFor(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function expectUnauthorized(res: request.Response): void {
  expect(res.status).toBe(401);
  expect(res.headers["www-authenticate"]).toMatch(/^Bearer\b/);
  expect(res.body.error.code).toBe("unauthorized");
  expect(typeof res.body.error.message).toBe("string");
}

describe("a service with KILN_ADMIN_KEY", () => {
  let server: ServerProcess;
  let api: ReturnType<typeof request>;
  let tenant: { id: string; name: string };
  let admin: CreatedKey;
  /** Every key string this file's server handed out: none may rest in clear. */
  const handedOut: string[] = [];

  async function newKey(by: string, body: Record<string, unknown>): Promise<CreatedKey> {
    const res = await api.post("/v1/keys").set(bearer(by)).send(body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    handedOut.push(res.body.key);
    return res.body as CreatedKey;
  }

  beforeAll(async () => {
    server = await startServer({ dataDir: dataDir(), env: { KILN_ADMIN_KEY: ADMIN_KEY } });
    api = request(server.baseUrl);
    const created = await api.post("/v1/tenants").set(bearer(ADMIN_KEY)).send({ name: "acme" });
    expect(created.status).toBe(201);
    tenant = created.body;
    admin = await newKey(ADMIN_KEY, { role: "admin", name: "acme admin", tenant_id: tenant.id });
  });
  afterAll(async () => {
    if (server.running) await server.kill();
  });

  it("says at start-up that keys are required, and why", () => {
    expect(server.logs[0]).toMatchObject({ auth: "keys", msg: "API keys required (KILN_ADMIN_KEY is set)" });
  });

  it("answers 401 with WWW-Authenticate for no key, a malformed header, a wrong secret and an unknown key", async () => {
    expectUnauthorized(await api.get("/v1/models"));
    expect((await api.head("/v1/models")).status).toBe(401);
    for (const header of MALFORMED_HEADERS) {
      expectUnauthorized(await api.get("/v1/models").set("authorization", header));
    }
    const wrongSecret = `kiln_${admin.prefix}_${"A".repeat(32)}`;
    const unknown = `kiln_${"Z".repeat(12)}_${"A".repeat(32)}`;
    const notAKey = "kiln_short";
    const answers = await Promise.all([wrongSecret, unknown, notAKey].map((key) => api.get("/v1/models").set(bearer(key))));
    for (const res of answers) expectUnauthorized(res);
    // one message for all of them: nothing tells a key that exists from one that does not
    expect(new Set(answers.map((res) => res.body.error.message)).size).toBe(1);
    // a 401 comes before the body is read or checked
    expectUnauthorized(await api.post("/v1/models").set("content-type", "application/json").send("{not json"));
  });

  it("shows a key once: the list has its record, never the key or its hash", async () => {
    const list = await api.get("/v1/keys").set(bearer(admin.key));
    expect(list.status).toBe(200);
    const listed = list.body.items.find((k: { id: string }) => k.id === admin.id);
    expect(Object.keys(listed).sort()).toEqual(["created_at", "expires_at", "id", "last_used_at", "name", "prefix", "revoked_at", "role", "tenant_id"]);
    expect(admin.key).toMatch(new RegExp(`^kiln_${admin.prefix}_[A-Za-z0-9]{32}$`));
    expect(JSON.stringify(list.body)).not.toContain(admin.key.split("_")[2]);
  });

  it("lets a read key GET and nothing else (403 forbidden)", async () => {
    const reader = await newKey(admin.key, { role: "read" });
    expect((await api.get("/v1/models").set(bearer(reader.key))).status).toBe(200);
    const write = await api.post("/v1/models").set(bearer(reader.key)).send(MODEL);
    expect(write.status).toBe(403);
    expect(write.body.error.code).toBe("forbidden");
    expect((await api.get("/v1/keys").set(bearer(reader.key))).status).toBe(403);
  });

  it("lets a member key use the tenant's resources but not its keys", async () => {
    const member = await newKey(admin.key, { role: "member", name: "ci" });
    expect((await api.post("/v1/models").set(bearer(member.key)).send(MODEL)).status).toBe(201);
    for (const res of [
      await api.get("/v1/keys").set(bearer(member.key)),
      await api.post("/v1/keys").set(bearer(member.key)).send({ role: "admin" }),
      await api.delete(`/v1/keys/${admin.id}`).set(bearer(member.key)),
      await api.get("/v1/tenants").set(bearer(member.key)),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("forbidden");
    }
  });

  it("lets an admin key create, list and revoke its tenant's keys, and no other tenant's", async () => {
    const other = (await api.post("/v1/tenants").set(bearer(ADMIN_KEY)).send({ name: "other" })).body;
    const otherKey = await newKey(ADMIN_KEY, { role: "admin", tenant_id: other.id });
    const member = await newKey(admin.key, { role: "member", expires_at: new Date(Date.now() + 3_600_000).toISOString() });
    expect(member).toMatchObject({ tenant_id: tenant.id, role: "member", revoked_at: null });

    const ids = (await api.get("/v1/keys").set(bearer(admin.key))).body.items.map((k: { id: string }) => k.id);
    expect(ids).toContain(member.id);
    expect(ids).not.toContain(otherKey.id);

    const foreign = await api.post("/v1/keys").set(bearer(admin.key)).send({ role: "admin", tenant_id: other.id });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.details).toEqual([{ path: "tenant_id", message: expect.any(String) }]);
    const foreignList = await api.get(`/v1/keys?tenant_id=${other.id}`).set(bearer(admin.key));
    expect(foreignList.status).toBe(403);
    // another tenant's key is as missing as one that does not exist
    const revokeForeign = await api.delete(`/v1/keys/${otherKey.id}`).set(bearer(admin.key));
    const revokeMissing = await api.delete("/v1/keys/key_nothere").set(bearer(admin.key));
    expect([revokeForeign.status, revokeMissing.status]).toEqual([404, 404]);
    expect(revokeForeign.body.error.message).toBe(`key ${otherKey.id} not found`);
    expect(revokeMissing.body.error.message).toBe("key key_nothere not found");
    expect((await api.get("/v1/models").set(bearer(otherKey.key))).status).toBe(200);

    const revoked = await api.delete(`/v1/keys/${member.id}`).set(bearer(admin.key));
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).toEqual(expect.any(String));
  });

  it("refuses a revoked key from the very next request", async () => {
    const member = await newKey(admin.key, { role: "member" });
    expect((await api.get("/v1/models").set(bearer(member.key))).status).toBe(200);
    expect((await api.delete(`/v1/keys/${member.id}`).set(bearer(admin.key))).status).toBe(200);
    const next = await api.get("/v1/models").set(bearer(member.key));
    expectUnauthorized(next);
    expect(next.body.error.message).toMatch(/revoked/);
    // revoking again keeps the first time
    const again = await api.delete(`/v1/keys/${member.id}`).set(bearer(admin.key));
    const list = await api.get("/v1/keys").set(bearer(admin.key));
    expect(list.body.items.find((k: { id: string }) => k.id === member.id).revoked_at).toBe(again.body.revoked_at);
  });

  it("refuses an expired key", async () => {
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const shortLived = await newKey(admin.key, { role: "read", expires_at: expiresAt });
    await waitFor(() => Date.now() > Date.parse(expiresAt), "the key's expiry");
    const res = await api.get("/v1/models").set(bearer(shortLived.key));
    expectUnauthorized(res);
    expect(res.body.error.message).toMatch(/expired/);
  });

  it("checks what a key is created with, naming the field", async () => {
    const past = await api.post("/v1/keys").set(bearer(admin.key)).send({ role: "read", expires_at: "2001-01-01T00:00:00Z" });
    expect(past.status).toBe(422);
    expect(past.body.error.details[0].path).toBe("expires_at");
    const badRole = await api.post("/v1/keys").set(bearer(admin.key)).send({ role: "owner" });
    expect(badRole.status).toBe(400);
    expect(badRole.body.error.details[0].path).toBe("role");
    const noTenant = await api.post("/v1/keys").set(bearer(ADMIN_KEY)).send({ role: "read" });
    expect(noTenant.status).toBe(400);
    expect(noTenant.body.error.details[0].path).toBe("tenant_id");
    const unknownTenant = await api.post("/v1/keys").set(bearer(ADMIN_KEY)).send({ role: "read", tenant_id: "ten_nothere" });
    expect(unknownTenant.status).toBe(404);
    expect(unknownTenant.body.error.details[0].path).toBe("tenant_id");
    const badName = await api.post("/v1/tenants").set(bearer(ADMIN_KEY)).send({ name: "Not OK" });
    expect(badName.status).toBe(400);
    expect(badName.body.error.details[0].path).toBe("name");
  });

  it("lets the operator key create and list tenants and any tenant's keys, and nothing else", async () => {
    const first = await api.post("/v1/tenants").set(bearer(ADMIN_KEY)).send({ name: "globex" });
    expect(first.status).toBe(201);
    const again = await api.post("/v1/tenants").set(bearer(ADMIN_KEY)).send({ name: "globex" });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const tenants = (await api.get("/v1/tenants?limit=100").set(bearer(ADMIN_KEY))).body.items.map((t: { name: string }) => t.name);
    expect(tenants).toEqual(expect.arrayContaining(["default", "acme", "globex"]));

    const key = await newKey(ADMIN_KEY, { role: "member", tenant_id: first.body.id });
    const all = (await api.get("/v1/keys?limit=100").set(bearer(ADMIN_KEY))).body.items.map((k: { id: string }) => k.id);
    expect(all).toEqual(expect.arrayContaining([admin.id, key.id]));
    const globex = (await api.get(`/v1/keys?tenant_id=${first.body.id}`).set(bearer(ADMIN_KEY))).body.items.map((k: { id: string }) => k.id);
    expect(globex).toEqual([key.id]);
    expect((await api.delete(`/v1/keys/${key.id}`).set(bearer(ADMIN_KEY))).status).toBe(200);

    for (const res of [await api.get("/v1/models").set(bearer(ADMIN_KEY)), await api.post("/v1/models").set(bearer(ADMIN_KEY)).send(MODEL)]) {
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("forbidden");
    }
    // tenants are the operator's alone
    expect((await api.post("/v1/tenants").set(bearer(admin.key)).send({ name: "nope" })).status).toBe(403);
  });

  it("names the tenant and key in every request's log line, and keeps no key in clear in the database or the logs", async () => {
    const member = await newKey(admin.key, { role: "member" });
    await api.get("/v1/datasets").set("x-request-id", "req-auth-log").set(bearer(member.key));
    const dbFiles = () => [join(server.dataDir, "kiln.db"), join(server.dataDir, "kiln.db-wal")].filter(existsSync);
    const leaks = (text: string): string[] =>
      [ADMIN_KEY, ...handedOut, ...handedOut.map((k) => k.split("_")[2]!)].filter((secret) => text.includes(secret));
    // while it runs (the WAL holds the latest writes) and after it stopped (flushed logs, checkpointed database)
    for (const file of dbFiles()) expect(leaks(readFileSync(file).toString("latin1")), file).toEqual([]);
    const { code } = await server.stop();
    expect(code).toBe(0);
    for (const file of dbFiles()) expect(leaks(readFileSync(file).toString("latin1")), file).toEqual([]);
    expect(leaks(JSON.stringify(server.logs) + server.stderr)).toEqual([]);

    const line = server.logs.find((l) => l.reqId === "req-auth-log" && l.msg === "request completed");
    expect(line).toMatchObject({ tenantId: tenant.id, keyId: member.id, statusCode: 200 });

    // started again without KILN_ADMIN_KEY: the stored keys keep it in keys mode, and the uses
    // written at shutdown show
    const restarted = await startServer({ dataDir: server.dataDir });
    expect(restarted.logs[0]).toMatchObject({ auth: "keys", msg: "API keys required (the store holds active API keys)" });
    expectUnauthorized(await request(restarted.baseUrl).get("/v1/models"));
    const keys = await request(restarted.baseUrl).get("/v1/keys").set(bearer(admin.key));
    expect(keys.body.items.find((k: { id: string }) => k.id === member.id).last_used_at).toEqual(expect.any(String));
    await restarted.stop();
  });
});

describe("start-up without keys", () => {
  const spawned: ServerProcess[] = [];
  const spawn = async (env: Record<string, string>): Promise<ServerProcess> => {
    const server = ServerProcess.spawn({ dataDir: dataDir(), port: await freePort(), env });
    spawned.push(server);
    return server;
  };
  afterEach(async () => {
    await Promise.all(spawned.splice(0).map((server) => server.kill()));
  });
  it("runs open on a loopback host: every request is tenant default, and the first log line says so", async () => {
    const server = await startServer({ dataDir: dataDir() });
    spawned.push(server);
    expect(server.logs[0]).toMatchObject({ auth: "open", tenant: "default" });
    expect(String(server.logs[0]!.msg)).toMatch(/runs open.*tenant "default".*loopback/);
    const created = await request(server.baseUrl).post("/v1/models").send(MODEL);
    expect(created.status).toBe(201);
    expect((await request(server.baseUrl).get(`/v1/models/${created.body.id}`)).status).toBe(200);
    // open mode has no operator
    expect((await request(server.baseUrl).get("/v1/tenants")).status).toBe(403);
  });

  it("refuses to start on a non-loopback host, naming KILN_AUTH and KILN_ADMIN_KEY", async () => {
    const server = await spawn({ HOST: "0.0.0.0" });
    const exit = await server.exited;
    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    expect(server.stderr).toMatch(/HOST 0\.0\.0\.0 is not a loopback address/);
    expect(server.stderr).toContain("KILN_ADMIN_KEY");
    expect(server.stderr).toContain("KILN_AUTH=none");
  });

  it("refuses KILN_AUTH=keys with no key to call it with, and a short KILN_ADMIN_KEY without printing it", async () => {
    const keysOnly = await spawn({ KILN_AUTH: "keys" });
    expect((await keysOnly.exited).code).toBe(2);
    expect(keysOnly.stderr).toMatch(/KILN_AUTH=keys.*no KILN_ADMIN_KEY/);
    const short = await spawn({ KILN_ADMIN_KEY: "short-secret-value" });
    expect((await short.exited).code).toBe(2);
    expect(short.stderr).toContain("KILN_ADMIN_KEY");
    expect(short.stderr).not.toContain("short-secret-value");
  });

  it("serves open with KILN_AUTH=none on any host", async () => {
    const server = await startServer({ dataDir: dataDir(), env: { HOST: "0.0.0.0", KILN_AUTH: "none" } });
    spawned.push(server);
    expect(server.logs[0]).toMatchObject({ auth: "open" });
    expect(String(server.logs[0]!.msg)).toContain("KILN_AUTH=none");
    expect((await request(server.baseUrl).get("/v1/models")).status).toBe(200);
  });
});

const servicesUp = (await postgresAvailable()) && (await redisAvailable());

/** Every row of every table of the schema, as Postgres prints it (bytea as \x and its hex digits), by table. */
async function tableDump(schema: string): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    const tables = await client.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'", [schema]);
    const dump: Record<string, string> = {};
    for (const { name } of tables.rows) {
      const rows = await client.query<{ row: string }>(`SELECT t::text AS row FROM ${schema}."${name}" t`);
      dump[name] = rows.rows.map((r) => r.row).join("\n");
    }
    return dump;
  } finally {
    await client.end();
  }
}

describe.skipIf(!servicesUp)("keys on a scale-out deployment: two processes sharing Postgres and Redis", () => {
  const namespace = scaleOutNamespace("kiln_auth");
  let servers: ServerProcess[];
  /** The two processes' APIs: keys are created through `first`, and used through both. */
  let first: ReturnType<typeof request>;
  let second: ReturnType<typeof request>;
  let admin: CreatedKey;
  const handedOut: CreatedKey[] = [];

  async function newKey(body: Record<string, unknown>): Promise<CreatedKey> {
    const res = await first.post("/v1/keys").set(bearer(admin.key)).send(body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    handedOut.push(res.body);
    return res.body as CreatedKey;
  }

  beforeAll(async () => {
    // API-only processes (no trainer is needed): both migrate the fresh schema at once
    const env = { ...namespace.env, KILN_ADMIN_KEY: ADMIN_KEY };
    servers = await Promise.all([0, 1].map(() => startServer({ dataDir: dataDir(), workers: 0, env })));
    [first, second] = servers.map((server) => request(server.baseUrl)) as [ReturnType<typeof request>, ReturnType<typeof request>];
    const tenant = await first.post("/v1/tenants").set(bearer(ADMIN_KEY)).send({ name: "acme" });
    expect(tenant.status).toBe(201);
    const created = await first.post("/v1/keys").set(bearer(ADMIN_KEY)).send({ role: "admin", tenant_id: tenant.body.id });
    expect(created.status).toBe(201);
    admin = created.body;
    handedOut.push(admin);
  }, 60_000);
  afterAll(async () => {
    await Promise.all((servers ?? []).map((server) => server.kill()));
    await namespace.drop();
  });

  it("runs both processes on the schema and the queue of its own", () => {
    for (const server of servers) {
      const listening = server.logs.find((l) => String(l.msg).startsWith("kiln listening"));
      expect(listening).toMatchObject({ store: expect.stringContaining(`(schema ${namespace.schema})`), queue: expect.stringContaining(`(${namespace.queueName})`), workers: 0 });
    }
  });

  it("answers 401 on either process for no key, a malformed header, a wrong secret and an unknown key, and takes on one a key made on the other", async () => {
    const wrongSecret = `kiln_${admin.prefix}_${"A".repeat(32)}`;
    const unknown = `kiln_${"Z".repeat(12)}_${"A".repeat(32)}`;
    for (const api of [first, second]) {
      expectUnauthorized(await api.get("/v1/models"));
      for (const header of MALFORMED_HEADERS) expectUnauthorized(await api.get("/v1/models").set("authorization", header));
      const answers = await Promise.all([wrongSecret, unknown, "kiln_short"].map((key) => api.get("/v1/models").set(bearer(key))));
      for (const res of answers) expectUnauthorized(res);
      expect(new Set(answers.map((res) => res.body.error.message)).size).toBe(1);
    }
    expect((await second.get("/v1/models").set(bearer(admin.key))).status).toBe(200);
  });

  it("refuses a key revoked through one process on the other's very next request", async () => {
    const member = await newKey({ role: "member" });
    expect((await second.get("/v1/models").set(bearer(member.key))).status).toBe(200);
    expect((await first.delete(`/v1/keys/${member.id}`).set(bearer(admin.key))).status).toBe(200);
    for (const api of [second, first]) {
      const next = await api.get("/v1/models").set(bearer(member.key));
      expectUnauthorized(next);
      expect(next.body.error.message).toMatch(/revoked/);
    }
  });

  it("refuses an expired key on either process", async () => {
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const shortLived = await newKey({ role: "read", expires_at: expiresAt });
    await waitFor(() => Date.now() > Date.parse(expiresAt), "the key's expiry");
    for (const api of [first, second]) {
      const res = await api.get("/v1/models").set(bearer(shortLived.key));
      expectUnauthorized(res);
      expect(res.body.error.message).toMatch(/expired/);
    }
  });

  it("lets a read key GET and nothing else on either process (403 forbidden)", async () => {
    const reader = await newKey({ role: "read" });
    for (const api of [first, second]) {
      expect((await api.get("/v1/models").set(bearer(reader.key))).status).toBe(200);
      const write = await api.post("/v1/models").set(bearer(reader.key)).send(MODEL);
      expect(write.status).toBe(403);
      expect(write.body.error.code).toBe("forbidden");
      expect((await api.get("/v1/keys").set(bearer(reader.key))).status).toBe(403);
    }
  });

  it("keeps no key in clear in any table of the schema or in either process's logs", async () => {
    const member = await newKey({ role: "member" });
    expect((await second.post("/v1/models").set(bearer(member.key)).send(MODEL)).status).toBe(201);
    const secrets = [ADMIN_KEY, ...handedOut.flatMap((k) => [k.key, k.key.split("_")[2]!])];
    // in clear, or as a bytea column prints it (hex)
    const leaks = (text: string): string[] => secrets.filter((secret) => text.includes(secret) || text.includes(Buffer.from(secret).toString("hex")));
    const checkTables = async (): Promise<void> => {
      const dump = await tableDump(namespace.schema);
      // the dump holds the keys' records (their prefixes are stored in clear), so it is where a key would be
      for (const key of handedOut) expect(dump.api_keys).toContain(key.prefix);
      for (const [table, rows] of Object.entries(dump)) expect(leaks(rows), table).toEqual([]);
    };
    await checkTables();
    // stopped: what is written at shutdown (the key uses) is in the tables, and the logs are flushed
    for (const server of servers) expect((await server.stop()).code).toBe(0);
    await checkTables();
    for (const server of servers) expect(leaks(JSON.stringify(server.logs) + server.stderr)).toEqual([]);
  });
});
