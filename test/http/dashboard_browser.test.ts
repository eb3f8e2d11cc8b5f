/**
 * The dashboard in a real browser: Debian's Chromium driven by playwright-core, against real
 * listening servers (an open one that trains, and one that needs keys). A job started from the
 * page's form is followed live to its end; another is cancelled from its page; the models and
 * datasets pages show what the API holds; the login box takes a key. Each page's screenshot is
 * saved in test/artifacts/ (git-ignored). Skipped without Chromium, unless KILN_TEST_SERVICES=required.
 */
import { mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelSpec } from "../../src/schema/index.js";
import { createKey } from "../../src/services/index.js";
import { DEFAULT_TENANT } from "../../src/store/index.js";
import { chromiumAvailable, TEST_CHROMIUM } from "../helpers/services.js";
import { buildTestApp, type TestApp } from "./helper.js";
import { Api, type JobLike } from "./support/api.js";
import { ROOT } from "./support/server_process.js";
import { dataset, jobSpec, MODEL } from "./support/training.js";

const ARTIFACTS = join(ROOT, "test", "artifacts");
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
/** Long enough for a busy 2-core machine; every wait ends as soon as its condition holds. */
const WAIT = { timeout: 60_000 };
const TEST_TIMEOUT = 120_000;

async function listen(t: TestApp): Promise<string> {
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  return `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
}

describe.skipIf(!chromiumAvailable())("the dashboard in Chromium", () => {
  let browser: Browser;
  let server: TestApp;
  let base: string;
  let api: Api;
  let modelId: string;
  let datasetId: string;
  /** Errors the pages threw or logged (a CSP violation among them). */
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: TEST_CHROMIUM, args: CHROMIUM_ARGS });
    server = await buildTestApp();
    base = await listen(server);
    api = new Api(base);
    modelId = (await api.create("/v1/models", MODEL)).id;
    datasetId = (await api.create("/v1/datasets", dataset(256))).id;
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(url: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") pageErrors.push(message.text());
    });
    await page.goto(url);
    return page;
  }

  const shoot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `dashboard-${name}.png`), fullPage: true });
  const pointsOf = async (page: Page): Promise<number> => Number(await page.locator("#loss-chart").getAttribute("data-points"));
  const statusOf = (page: Page): Promise<string | null> => page.locator("#status [data-status]").getAttribute("data-status");

  it("shows the models: layers with output shapes and parameter counts, and the PyTorch repr", async () => {
    const model = await api.get<{ summary: string; layers: { type: string; output_shape: number[]; num_params: number }[] }>(`/v1/models/${modelId}`);
    const page = await open(`${base}/#/models`);
    await expect.poll(() => page.locator("#models tbody tr").allInnerTexts(), WAIT).toEqual([expect.stringContaining(MODEL.name)]);
    await shoot(page, "models");

    await page.locator(`#models a[href="#/models/${modelId}"]`).click();
    await page.locator("#layers").waitFor(WAIT);
    const rows = await page.locator("#layers tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    expect(rows.map(([, type, , shape, params]) => [type, shape, params])).toEqual(
      model.layers.map((l) => [l.type, `[${l.output_shape.join(", ")}]`, l.num_params.toLocaleString("en")]),
    );
    expect(await page.locator("#repr").textContent()).toBe(model.summary);
    await shoot(page, "model");
    await page.close();
  }, TEST_TIMEOUT);

  it("shows the datasets: shapes, dtypes, size and the first samples", async () => {
    const page = await open(`${base}/#/datasets`);
    await expect.poll(() => page.locator("#datasets tbody tr").allInnerTexts(), WAIT).toEqual([expect.stringMatching(/formula-256\s+256\s+\[5\] float32\s+\[\] int64\s+4\s+7\.0 KiB/)]);
    await shoot(page, "datasets");

    await page.goto(`${base}/#/datasets/${datasetId}`);
    await expect.poll(() => page.locator("#num-samples").textContent(), WAIT).toBe("256");
    expect(await page.locator("#features").textContent()).toBe("[5] float32");
    expect(await page.locator("#labels").textContent()).toBe("[] int64");
    const { rows } = await api.get<{ rows: { features: number[]; label: number }[] }>(`/v1/datasets/${datasetId}/rows?limit=10`);
    await expect.poll(() => page.locator("#rows tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.children].slice(1).map((td) => td.textContent))), WAIT).toEqual(
      rows.map((r) => [`[${r.features.map((x) => String(Number(x.toPrecision(6)))).join(", ")}]`, String(r.label)]),
    );
    await shoot(page, "dataset");
    await page.close();
  }, TEST_TIMEOUT);

  it("starts a job from the form and follows it live: the chart grows while it runs, and ends at the API's loss and 100 %", async () => {
    const page = await open(`${base}/#/jobs/new?model=${modelId}&dataset=${datasetId}`);
    await page.locator("#new-job").waitFor(WAIT);
    await page.locator("#validation").selectOption(datasetId);
    await page.locator("#loss").selectOption("cross_entropy");
    await page.locator("#lr").fill("0.01");
    await page.locator("#epochs").fill("40");
    await page.locator("#batch-size").fill("4");
    await shoot(page, "new-job");
    await page.locator("#start").click();
    await page.waitForURL(/#\/jobs\/job_/, WAIT);
    const jobId = new URL(page.url()).hash.slice("#/jobs/".length);

    // the chart grows while the job runs
    await expect.poll(() => pointsOf(page), WAIT).toBeGreaterThan(0);
    const before = await pointsOf(page);
    await expect
      .poll(async () => ({ points: await pointsOf(page), status: await statusOf(page) }), WAIT)
      .toSatisfy(({ points, status }) => points > before && status === "running");

    // a second page opened mid-job replays the steps already taken
    const running = await api.get<JobLike>(`/v1/jobs/${jobId}`);
    expect(running.status).toBe("running");
    const late = await open(`${base}/#/jobs/${jobId}`);
    await expect.poll(() => pointsOf(late), WAIT).toBeGreaterThanOrEqual(running.progress.step);

    await page.locator('#status [data-status="succeeded"]').waitFor(WAIT);
    const job = await api.get<JobLike & { metrics: { loss: number; epochs: unknown[] } }>(`/v1/jobs/${jobId}`);
    await expect.poll(() => page.locator("#percent").textContent(), WAIT).toBe("100 %");
    const bar = page.locator("#progress");
    expect([await bar.getAttribute("value"), await bar.getAttribute("max")]).toEqual([String(job.progress.total_steps), String(job.progress.total_steps)]);
    expect(await page.locator("#loss").getAttribute("data-value")).toBe(String(job.metrics.loss));
    expect(await page.locator("#loss").textContent()).toBe(String(Number(job.metrics.loss.toPrecision(6))));
    expect(await pointsOf(page)).toBe(job.progress.total_steps);
    expect(await page.locator("#epochs tbody tr").count()).toBe(job.metrics.epochs.length);
    await shoot(page, "job");

    await late.locator('#status [data-status="succeeded"]').waitFor(WAIT);
    await expect.poll(() => pointsOf(late), WAIT).toBe(job.progress.total_steps);
    await late.close();
    await page.close();
  }, TEST_TIMEOUT);

  it("cancels a running job from its page", async () => {
    const { id } = await api.create("/v1/jobs", jobSpec(modelId, datasetId, 1000, 4), 202);
    const page = await open(`${base}/#/jobs/${id}`);
    await expect.poll(() => pointsOf(page), WAIT).toBeGreaterThan(0);
    await page.locator("#cancel").click();
    await expect.poll(async () => (await api.get<JobLike>(`/v1/jobs/${id}`)).status, WAIT).toBe("cancelled");
    await expect.poll(() => statusOf(page), WAIT).toBe("cancelled");
    expect(await page.locator("#cancel").isDisabled()).toBe(true);
    await shoot(page, "job-cancelled");

    await page.goto(`${base}/#/jobs`);
    const row = page.locator(`#jobs tr:has(a[href="#/jobs/${id}"])`);
    await expect.poll(() => row.locator("[data-status]").getAttribute("data-status"), WAIT).toBe("cancelled");
    await shoot(page, "jobs");
    await page.close();
    expect(pageErrors).toEqual([]);
  }, TEST_TIMEOUT);

  describe("against a server that needs keys", () => {
    let keyed: TestApp;
    let keyedBase: string;
    let key: string;

    beforeAll(async () => {
      keyed = await buildTestApp({ config: { adminKey: "a".repeat(40) } });
      keyedBase = await listen(keyed);
      ({ key } = await createKey(keyed.store, { tenantId: DEFAULT_TENANT.id, role: "member", name: "dashboard", expiresAt: null }));
      await keyed.services.models.create(ModelSpec.parse({ ...MODEL, name: "keyed-model" }), DEFAULT_TENANT.id);
    }, 60_000);
    afterAll(() => keyed?.close());

    it("asks for a key, refuses a wrong one, and shows the tenant's models with the right one, for this tab only", async () => {
      const page = await open(`${keyedBase}/#/models`);
      const login = page.locator("#login");
      await expect.poll(() => login.getAttribute("data-state"), WAIT).toBe("This server needs an API key");
      await expect.poll(() => page.locator("#view .error").textContent(), WAIT).toMatch(/^An API key is required/);

      await page.locator("#api-key").fill(`${key.slice(0, -1)}${key.endsWith("0") ? "1" : "0"}`);
      await page.locator("#login-submit").click();
      await expect.poll(() => login.getAttribute("data-state"), WAIT).toBe("Key refused");
      await page.locator("#logout").click();

      await page.locator("#api-key").fill(key);
      await page.locator("#login-submit").click();
      await expect.poll(() => login.getAttribute("data-state"), WAIT).toBe("Key in use");
      await expect.poll(() => page.locator("#models tbody tr").allInnerTexts(), WAIT).toEqual([expect.stringContaining("keyed-model")]);
      await shoot(page, "login");
      expect(await page.evaluate('sessionStorage.getItem("kiln.apiKey")')).toBe(key);
      await page.close();
    }, TEST_TIMEOUT);
  });
});
