/**
 * Requests sized to hurt (issue 13's probe) get their answer without holding up the event loop:
 * each is sent with `inject` while the loop's delay is measured. The bounds are generous (the bugs
 * blocked for seconds; the suite runs on a busy machine); `npm run test:stress` checks the figures.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventLoopDelayDuring } from "../helpers/responsiveness.js";
import { buildTestApp, errorOf, type TestApp } from "./helper.js";

/** The longest the event loop may stall here for one request (a busy 2-core machine included). */
const STALL_BOUND_MS = 1500;

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

const postCsv = (text: string, query = "") =>
  t.app.inject({ method: "POST", url: `/v1/datasets${query}`, headers: { "content-type": "text/csv" }, payload: text });

describe("CSV datasets", () => {
  it("checks a header of 100,000 columns for duplicates in linear time", async () => {
    // 889 KB: the duplicate-name check used to compare every column with every other (7.6-31 s)
    const names = Array.from({ length: 100_000 }, (_, j) => `c${j}`);
    const header = [...names, "c5"].join(",");
    const { result: res, maxMs } = await eventLoopDelayDuring(() => postCsv(`${header}\n${"0,".repeat(100_000)}0\n`));
    expect(res.statusCode, res.body).toBe(422);
    expect(errorOf(res)).toMatchObject({ message: 'column "c5" appears twice in the header row', details: [{ path: "csv.header" }] });
    expect(maxMs).toBeLessThan(STALL_BOUND_MS);
  });

  it("names at most 20 columns when the label column is missing", async () => {
    const header = Array.from({ length: 100_000 }, (_, j) => `c${j}`).join(",");
    const res = await postCsv(`${header}\n${"0,".repeat(99_999)}0\n`, "?label_column=label");
    expect(res.statusCode, res.body).toBe(422);
    expect(errorOf(res).message).toBe(
      `no column "label" in the header (columns: ${Array.from({ length: 20 }, (_, j) => `c${j}`).join(", ")}, … (100000 in all))`,
    );
  });
});
