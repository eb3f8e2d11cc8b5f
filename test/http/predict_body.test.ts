/**
 * predict's own body reader: what it returns is exactly `JSON.parse` with every number rounded to
 * float32, and every body it does not take (`undefined`) goes to the standard JSON parser.
 */
import { describe, expect, it } from "vitest";
import { readPredictBody } from "../../src/http/routes/models/predict_body.js";
import { Generator } from "../../src/tensor/index.js";

const read = (text: string) => readPredictBody(Buffer.from(text));

/** The reference: the standard parser, then float32 as the model computes. */
const expected = (text: string): unknown => {
  const round = (v: unknown): unknown => (Array.isArray(v) ? v.map(round) : Math.fround(v as number));
  const body = JSON.parse(text) as { inputs: unknown };
  return { inputs: round(body.inputs) };
};

/** Numbers written every way JSON allows, from a seeded generator. */
function numberTexts(count: number): string[] {
  const g = new Generator().manualSeed(7);
  const u = (): number => g.random32() / 2 ** 32;
  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    const scale = 10 ** Math.floor(u() * 60 - 30);
    const x = (u() - 0.5) * scale;
    switch (i % 6) {
      case 0: texts.push(String(Math.fround(x))); break; // a Float32Array sent as JSON
      case 1: texts.push(String(x)); break; // doubles: 17 significant digits
      case 2: texts.push(x.toExponential(Math.floor(u() * 20))); break;
      case 3: texts.push(x.toPrecision(Math.floor(u() * 21) + 1).replace("e+", "E")); break;
      case 4: {
        // halfway between two float32 neighbours, written with more or fewer digits than it needs
        const pair = new Float32Array([x || 1]);
        const bits = new Int32Array(pair.buffer);
        const a = pair[0]!;
        bits[0]! += 1;
        texts.push(((a + pair[0]!) / 2).toPrecision(Math.floor(u() * 12) + 9));
        break;
      }
      default: texts.push(`${Math.floor(u() * 1e9)}.${String(Math.floor(u() * 1e17)).padStart(17, "0")}e${Math.floor(u() * 40 - 20)}`);
    }
  }
  return texts;
}

describe("readPredictBody", () => {
  it("reads numbers as Math.fround(JSON.parse(...)) does, bit for bit", () => {
    const texts = numberTexts(30_000);
    for (let i = 0; i < texts.length; i += 100) {
      const body = `{"inputs": [[${texts.slice(i, i + 100).join(", ")}]]}`;
      const got = read(body);
      expect(got, body).toBeDefined();
      // toEqual tells -0 from 0 and compares every value exactly
      expect(got).toEqual(expected(body));
    }
  });

  it("reads the edges of float32 and of JSON numbers", () => {
    const edges = ["0", "-0", "0.0", "-0.0e5", "0e999", "1e-400", "7e-46", "1.401298464324817e-45", "1E+2", "2.5e-7", "123456789012345678901234567890",
      "3.4028234663852886e38", "-9007199254740993", "0.1", "1e38"];
    const body = `{"inputs": [[${edges.join(",")}]]}`;
    expect(read(body)).toEqual(expected(body));
  });

  it("reads samples of 1 to 3 dimensions and any JSON whitespace", () => {
    for (const body of ['{"inputs":[[1,2],[3,4]]}', ' \t\r\n{ "inputs" :\n[ [ [1, 2] , [3,4] ] ] }\n', '{"inputs":[[[[0.5]]]]}', '{"inputs":[]}', '{"inputs":[[]]}', '{"inputs":[1,2]}']) {
      expect(read(body), body).toEqual(expected(body));
    }
  });

  it("leaves every other body to the standard JSON parser", () => {
    const others = [
      '{"inputs":[[1e39]]}', // beyond float32: answered as the standard path answers it
      '{"inputs":[[-1e309]]}',
      '{"inputs":[[[[[1]]]]]}', // deeper than a sample can be
      '{"inputs":[[1]],"extra":1}',
      '{"inputs":[[1]],"inputs":[[2]]}',
      '{"input":[[1]]}',
      '{"inp\\u0075ts":[[1]]}',
      '{"inputs":[["1"]]}',
      '{"inputs":[[null]]}',
      '{"inputs":[[true]]}',
      '{"inputs":{"0":[1]}}',
      '{"inputs":1}',
      "\uFEFF{\"inputs\":[[1]]}",
      // not JSON at all
      '{"inputs":[[1,]]}',
      '{"inputs":[[01]]}',
      '{"inputs":[[1.]]}',
      '{"inputs":[[.5]]}',
      '{"inputs":[[-]]}',
      '{"inputs":[[1e]]}',
      '{"inputs":[[+1]]}',
      '{"inputs":[[NaN]]}',
      '{"inputs":[[Infinity]]}',
      '{"inputs":[[0x10]]}',
      '{"inputs":[[1 2]]}',
      '{"inputs":[[1]]',
      '{"inputs":[[1]]}x',
      "",
    ];
    for (const body of others) expect(read(body), body).toBeUndefined();
  });
});
