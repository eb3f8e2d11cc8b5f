import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { jsonBody, type JsonPart } from "../../src/http/json_writer.js";

async function text(body: string | Readable): Promise<string> {
  if (typeof body === "string") return body;
  let out = "";
  for await (const chunk of body) out += String(chunk);
  return out;
}

/** `values` as nested arrays of `shape`, as `Tensor.tolist()` gives them. */
function nested(values: ArrayLike<number>, shape: readonly number[]): unknown {
  if (shape.length === 0) return values[0];
  let at = 0;
  const build = (axis: number): unknown[] =>
    Array.from({ length: shape[axis]! }, () => (axis === shape.length - 1 ? values[at++] : build(axis + 1)));
  return build(0);
}

describe("jsonBody", () => {
  it("writes what JSON.stringify writes, for every shape, small (a string) or large (a stream)", async () => {
    const shapes = [[], [1], [3], [1, 1], [2, 3], [5, 7], [2, 3, 4], [3, 1, 2, 2], [2, 0], [0, 3], [2, 0, 3], [40_000, 3], [3, 20_000], [100, 100, 3]];
    for (const shape of shapes) {
      const n = shape.reduce((a, b) => a * b, 1);
      // float32 values, with NaN and -0 among them (JSON has no NaN: null; -0 is written 0)
      const values = Float32Array.from({ length: n }, (_, i) => (i % 7 === 3 ? NaN : i % 11 === 5 ? -0 : Math.sin(i) * 1000));
      const parts: JsonPart[] = ['{"a":', { values, shape }, ',"b":1}'];
      const body = jsonBody(parts);
      expect(typeof body === "string", JSON.stringify(shape)).toBe(n <= 4096);
      expect(await text(body), JSON.stringify(shape)).toBe(JSON.stringify({ a: nested(Array.from(values), shape), b: 1 }));
    }
  });

  it("streams a large body in chunks, letting the event loop turn between them", async () => {
    const body = jsonBody([{ values: new Float32Array(200_000).fill(0.1), shape: [200_000] }]);
    expect(body).toBeInstanceOf(Readable);
    let chunks = 0;
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    for await (const _chunk of body as Readable) chunks++;
    clearInterval(ticker);
    expect(chunks).toBeGreaterThanOrEqual(48);
    expect(turns).toBeGreaterThan(0);
  });
});
