/**
 * The dashboard's files as the server answers them: the page at /, its modules and styles, uPlot's
 * two files from node_modules (and no other file of its package), under the page's strict CSP.
 * test/http/dashboard_browser.test.ts drives the page itself in Chromium.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DASHBOARD_CSP } from "../../src/http/security_headers.js";
import { buildTestApp, type TestApp } from "./helper.js";

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ config: { adminKey: "k".repeat(32) } });
});
afterAll(() => t.close());

describe("the dashboard's files", () => {
  it("answer / with the page, without a key, under a CSP with no inline script or style", async () => {
    const page = await t.app.inject({ method: "GET", url: "/" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.body).toContain('<script type="module" src="/ui/app.js">');
    expect(page.headers["content-security-policy"]).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).toContain("script-src 'self'");
    expect(DASHBOARD_CSP).toContain("style-src 'self'");
    expect(DASHBOARD_CSP).not.toMatch(/unsafe-inline|unsafe-eval|data:/);
    expect(page.headers["x-content-type-options"]).toBe("nosniff");
    expect(page.headers["x-frame-options"]).toBe("DENY");
    expect(page.headers["referrer-policy"]).toBe("no-referrer");
  });

  it("serve the page's modules and styles, and uPlot's, with their media types", async () => {
    const assets: [string, RegExp][] = [
      ["/ui/app.js", /^(text|application)\/javascript/],
      ["/ui/pages/job.js", /^(text|application)\/javascript/],
      ["/ui/style.css", /^text\/css/],
      ["/ui/vendor/uplot/uPlot.esm.js", /^(text|application)\/javascript/],
      ["/ui/vendor/uplot/uPlot.min.css", /^text\/css/],
    ];
    for (const [url, type] of assets) {
      const res = await t.app.inject({ method: "GET", url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers["content-type"], url).toMatch(type);
      expect(res.headers["content-security-policy"], url).toBe(DASHBOARD_CSP);
    }
  });

  it("serve nothing else of uPlot's package, and no file outside the page's folder", async () => {
    for (const url of ["/ui/vendor/uplot/uPlot.cjs.js", "/ui/vendor/uplot/uPlot.d.ts", "/ui/vendor/uplot/../package.json", "/ui/../dashboard.ts", "/ui/%2e%2e/dashboard.ts"]) {
      const res = await t.app.inject({ method: "GET", url });
      expect(res.statusCode, url).toBe(404);
    }
  });

  it("leave the API's answers their own CSP, and its keys required", async () => {
    const res = await t.app.inject({ method: "GET", url: "/v1/models" });
    expect(res.statusCode).toBe(401);
    expect(res.headers["content-security-policy"]).toBe("default-src 'none'; frame-ancestors 'none'");
  });
});
