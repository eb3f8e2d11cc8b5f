import { describe, expect, it } from "vitest";
import { JsonCursor, JsonSyntaxError, MAX_JSON_DEPTH } from "../../src/schema/json_cursor.js";

const cursor = (text: string) => new JsonCursor(Buffer.from(text));

/** What skipping a whole text answers: "ok", or the JsonSyntaxError's message. */
function skipAll(text: string): string {
  const c = cursor(text);
  try {
    c.skip();
    c.end();
    return "ok";
  } catch (e) {
    if (e instanceof JsonSyntaxError) return e.message;
    throw e;
  }
}

const isJson = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

describe("JsonCursor.number", () => {
  it("reads every number as JSON.parse does, bit for bit", () => {
    const texts = [
      "0", "-0", "1", "-1", "0.5", "-0.0", "10.05", "0.000123", "123456789012345", "1234567890123456789",
      "0.1", "0.30000000000000004", "3.4028235e38", "1e39", "1e309", "-1e309", "1e-400", "1.5e-45", "4.9e-324",
      "2.2250738585072014e-308", "9007199254740993", "0.0000000000000000000000001", "123.456e-7", "1E+2", "7e0",
    ];
    // and numbers as a body would have them: up to 17 significant digits, any scale
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 3000; i++) {
      const digits = String(Math.floor(random() * 1e17)).slice(0, 1 + Math.floor(random() * 17));
      const point = Math.floor(random() * (digits.length + 1));
      texts.push(`${random() < 0.5 ? "-" : ""}${digits.slice(0, point) || "0"}${point < digits.length ? `.${digits.slice(point)}` : ""}`);
      texts.push(String((random() - 0.5) * 10 ** Math.floor(random() * 40 - 20)));
    }
    for (const text of texts) {
      const read = cursor(` ${text},`).number();
      expect(Object.is(read, JSON.parse(text)), text).toBe(true);
    }
  });

  it("names what is wrong with a malformed number and where", () => {
    expect(() => cursor("-").number()).toThrow("expected a digit at byte 1, found the end of the body");
    expect(() => cursor("1.").number()).toThrow("expected a digit after the decimal point at byte 2");
    expect(() => cursor("1e+").number()).toThrow("expected a digit in the exponent at byte 3");
    expect(() => cursor("-x").number()).toThrow('expected a digit at byte 1, found "x"');
  });
});

describe("JsonCursor.skip", () => {
  it("accepts and refuses what JSON.parse does", () => {
    const texts = [
      "[]", "{}", "[1, [2, [3]], {}]", '{"a": {"b": [true, false, null]}, "c": "d"}', ' \t\r\n[1]\n', '"\\u00e9\\n\\"\\\\\\/"',
      "[1,]", "[,1]", "[1 2]", "{,}", '{"a" 1}', '{"a": 1,}', "{a: 1}", "{'a': 1}", "[01]", "[1.]", "[.5]", "[+1]", "[-]",
      "[NaN]", "[Infinity]", "[-Infinity]", "[tru]", "[nul]", "[True]", '"abc', '"\\x"', '"\\u12g4"', '"a\nb"', "[1]]",
      "[1] [2]", "", " ", "[", "]", '{"a": [1, {"b": }]}', "1 2", "null", "-0.0e-0", "[1e5, -2E-3]",
    ];
    for (const text of texts) expect(skipAll(text) === "ok", text).toBe(isJson(text));
  });

  it("names the byte at fault", () => {
    expect(skipAll('{"a": [1, 2,, 3]}')).toBe('expected a JSON value at byte 12, found ","');
    expect(skipAll('{"a": 1 "b": 2}')).toBe('expected "," or "}" at byte 8, found "\\""');
    expect(skipAll("[1, 2")).toBe('expected "," or "]" at byte 5, found the end of the body');
    expect(skipAll("[1] x")).toBe('expected the end of the body at byte 4, found "x"');
  });

  it(`refuses nesting deeper than ${MAX_JSON_DEPTH} levels, however deep it goes`, () => {
    const nested = (n: number) => "[".repeat(n) + "]".repeat(n);
    expect(skipAll(nested(MAX_JSON_DEPTH))).toBe("ok");
    expect(skipAll(nested(MAX_JSON_DEPTH + 1))).toMatch(/deeper than 64 levels/);
    expect(skipAll(nested(1_000_000))).toMatch(/deeper than 64 levels/);
  });

  it("skips a UTF-8 byte order mark, as Fastify's JSON parser does", () => {
    expect(skipAll("\uFEFF[1]")).toBe("ok");
  });
});

describe("JsonCursor.value", () => {
  it("reads small parts as JSON.parse does: escapes, nesting, any key", () => {
    const text = '{"name": "a\\u00e9\\n\\ud83d\\ude00", "__proto__": [1, {"x": null}]}';
    const c = cursor(text);
    expect(c.value()).toEqual(JSON.parse(text));
    const keys: string[] = [];
    const d = cursor('{"a\\"b": 1, "\\u0041": 2}');
    d.members((key) => {
      keys.push(key);
      d.skip();
    });
    expect(keys).toEqual(['a"b', "A"]);
  });
});
