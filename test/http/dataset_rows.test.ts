/**
 * GET /v1/datasets/{id}/rows: a few samples as nested arrays, read without the rest of the
 * dataset; bounded by count (100) and by KILN_MAX_RESPONSE_VALUES (here 100 numbers).
 * (tenants.test.ts calls it with another tenant's ids, as it does every operation.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, errorOf, type TestApp } from "./helper.js";

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ config: { limits: { maxResponseValues: 100 } } });
});
afterAll(() => t.close());

async function create(body: object): Promise<string> {
  const res = await t.app.inject({ method: "POST", url: "/v1/datasets", payload: body });
  expect(res.statusCode, res.body).toBe(201);
  return (res.json() as { id: string }).id;
}

const rowsOf = (id: string, query = "") => t.app.inject({ method: "GET", url: `/v1/datasets/${id}/rows${query}` });

describe("GET /v1/datasets/{id}/rows", () => {
  const features = Array.from({ length: 7 }, (_, i) => [i, i + 0.5]);
  const labels = [0, 1, 2, 0, 1, 2, 0];

  it("answers samples from `offset`, none past the end, ten by default", async () => {
    const id = await create({ features, labels });
    const some = await rowsOf(id, "?offset=2&limit=3");
    expect(some.statusCode).toBe(200);
    expect(some.json()).toEqual({
      offset: 2,
      num_samples: 7,
      rows: [2, 3, 4].map((i) => ({ features: features[i], label: labels[i] })),
    });
    expect((await rowsOf(id)).json().rows).toHaveLength(7);
    expect((await rowsOf(id, "?offset=6&limit=5")).json().rows).toEqual([{ features: [6, 6.5], label: 0 }]);
    expect((await rowsOf(id, "?offset=7")).json()).toEqual({ offset: 7, num_samples: 7, rows: [] });
  });

  it("nests features and targets as their shapes", async () => {
    const grid = [
      [[1, 2], [3, 4]],
      [[5, 6], [7, 8]],
    ];
    const id = await create({ features: grid, labels: [[0.5, 1.5], [2.5, 3.5]] });
    expect((await rowsOf(id)).json().rows).toEqual([
      { features: grid[0], label: [0.5, 1.5] },
      { features: grid[1], label: [2.5, 3.5] },
    ]);
  });

  it("refuses more samples than fit in a response, naming query.limit, and limits outside 1 to 100", async () => {
    // 19 features and a label: 20 numbers a sample, 5 samples to the 100 numbers a response may hold
    const id = await create({ features: Array.from({ length: 8 }, () => Array.from({ length: 19 }, () => 1)), labels: Array(8).fill(1) });
    expect((await rowsOf(id, "?limit=5")).json().rows).toHaveLength(5);
    const tooMany = await rowsOf(id, "?limit=6");
    expect(tooMany.statusCode).toBe(422);
    expect(errorOf(tooMany)).toEqual({
      code: "unprocessable",
      message: "6 samples of 20 numbers each are more than this service's limit of 100 numbers per response",
      details: [{ path: "query.limit", message: "at most 5 samples of this dataset" }],
    });
    for (const query of ["?limit=0", "?limit=101", "?offset=-1", "?limit=two"]) {
      const res = await rowsOf(id, query);
      expect(res.statusCode, query).toBe(400);
      expect(errorOf(res).code, query).toBe("validation_error");
    }
    expect((await rowsOf("ds_missing")).statusCode).toBe(404);
  });
});
