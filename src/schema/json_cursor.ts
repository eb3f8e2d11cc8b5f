/**
 * A JSON reader over a request body's bytes, for readers that put large arrays of numbers straight
 * into typed arrays (dataset_json.ts, weights.ts) instead of letting `JSON.parse` build a JavaScript
 * value per number and per array. It checks JSON's grammar as it goes and names the byte at fault;
 * small parts (a name, a shape, an unknown field) go through `JSON.parse` (`value()`), so they mean
 * exactly what they mean to it.
 */

/** Deepest nesting of arrays and objects a body may have; no request of the API comes close. */
export const MAX_JSON_DEPTH = 64;

/** A body that is not JSON (HTTP 400 malformed_json); the message names the byte at fault. */
export class JsonSyntaxError extends Error {
  override name = "JsonSyntaxError";
}

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
export const COMMA = 0x2c;
export const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
export const OPEN_ARRAY = 0x5b;
const BACKSLASH = 0x5c;
export const CLOSE_ARRAY = 0x5d;
export const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const LOWER_E = 0x65;
const UPPER_E = 0x45;

/** Significant digits that fit a double's integer range exactly (10^15 < 2^53). */
const EXACT_DIGITS = 15;
/** 10^0 … 10^22: every power of ten a double holds exactly. */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
const LITERALS = [Buffer.from("true"), Buffer.from("false"), Buffer.from("null")];
const HEX = new Uint8Array(128);
for (const c of "0123456789abcdefABCDEF") HEX[c.charCodeAt(0)] = 1;

/** What the cursor sees past the last byte. */
const END = -1;

export const isDigit = (c: number): boolean => c >= ZERO && c <= NINE;

const shown = (c: number | undefined): string => (c === undefined ? "the end of the body" : JSON.stringify(String.fromCharCode(c)));

export class JsonCursor {
  /** The next byte to read. */
  pos: number;
  /** Arrays and objects open around `pos`. */
  depth = 0;
  /** For each depth of `skip()`, whether an object (1) or an array (0) is open there. */
  private readonly inObject = new Uint8Array(MAX_JSON_DEPTH + 1);
  private readonly decoder = new TextDecoder();

  constructor(readonly bytes: Uint8Array) {
    // a UTF-8 byte order mark, which Fastify's JSON parser also skips
    this.pos = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  }

  fail(expected: string): never {
    throw new JsonSyntaxError(`expected ${expected} at byte ${this.pos}, found ${shown(this.bytes[this.pos])}`);
  }

  /** The next byte after whitespace, not consumed (END at the end). */
  peek(): number {
    const { bytes } = this;
    const end = bytes.length;
    let pos = this.pos;
    for (; pos < end; pos++) {
      const c = bytes[pos]!;
      if (c > SPACE || (c !== SPACE && c !== LF && c !== CR && c !== TAB)) {
        this.pos = pos;
        return c;
      }
    }
    this.pos = pos;
    return END;
  }

  /** Consumes `byte` if it comes next (after whitespace). */
  eat(byte: number): boolean {
    if (this.peek() !== byte) return false;
    this.pos++;
    return true;
  }

  /** Consumes `byte` (after whitespace), or fails naming it. */
  expect(byte: number): void {
    if (!this.eat(byte)) this.fail(shown(byte));
  }

  /** Checks that nothing but whitespace is left. */
  end(): void {
    if (this.peek() !== END) this.fail("the end of the body");
  }

  /**
   * Walks the array that comes next: `each(i)` runs with the cursor at element i and must consume
   * it. Returns the number of elements.
   */
  elements(each: (index: number) => void): number {
    this.open(OPEN_ARRAY);
    let count = 0;
    if (!this.eat(CLOSE_ARRAY)) {
      do each(count++);
      while (this.eat(COMMA));
      if (!this.eat(CLOSE_ARRAY)) this.fail('"," or "]"');
    }
    this.depth--;
    return count;
  }

  /** Walks the object that comes next: `each(key)` runs with the cursor at the key's value and must consume it. */
  members(each: (key: string) => void): void {
    this.open(OPEN_OBJECT);
    if (!this.eat(CLOSE_OBJECT)) {
      do {
        if (this.peek() !== QUOTE) this.fail("a string (a key)");
        const key = this.parseSlice(this.pos, () => this.skipString()) as string;
        this.expect(COLON);
        each(key);
      } while (this.eat(COMMA));
      if (!this.eat(CLOSE_OBJECT)) this.fail('"," or "}"');
    }
    this.depth--;
  }

  /** The value that comes next, as `JSON.parse` reads it: for the small parts of a body. */
  value(): unknown {
    this.peek();
    return this.parseSlice(this.pos, () => this.skip());
  }

  /** Skips the value that comes next, checking its grammar: one loop, not a call per element. */
  skip(): void {
    const outside = this.depth;
    for (;;) {
      const c = this.peek();
      if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
        this.open(c);
        const inObject = c === OPEN_OBJECT;
        this.inObject[this.depth] = inObject ? 1 : 0;
        if (!this.eat(inObject ? CLOSE_OBJECT : CLOSE_ARRAY)) {
          if (inObject) this.skipKey();
          continue;
        }
        this.depth--;
      } else if (c === QUOTE) this.skipString();
      else if (c === MINUS || isDigit(c)) this.number();
      else this.literal();
      // after a value: close what ends here, then go on to the next element or member
      for (;;) {
        if (this.depth === outside) return;
        const inObject = this.inObject[this.depth] === 1;
        if (this.eat(COMMA)) {
          if (inObject) this.skipKey();
          break;
        }
        if (!this.eat(inObject ? CLOSE_OBJECT : CLOSE_ARRAY)) this.fail(inObject ? '"," or "}"' : '"," or "]"');
        this.depth--;
      }
    }
  }

  /**
   * The number that comes next (after whitespace), exactly as `JSON.parse` reads it. A number
   * without an exponent, of at most 15 significant digits and 22 decimals, is m / 10^d of two exact
   * doubles, rounded once (Clinger's fast path); `Number` reads the others, rounding as
   * `JSON.parse` does.
   */
  number(): number {
    this.peek();
    const start = this.pos;
    let pos = start;
    let c = this.at(pos);
    const negative = c === MINUS;
    if (negative) c = this.at(++pos);
    let mantissa = 0;
    let digits = 0; // significant digits in mantissa
    let exponent = 0; // the value is mantissa · 10^exponent, while exact
    let exact = true;
    if (c === ZERO) {
      c = this.at(++pos);
    } else if (isDigit(c)) {
      for (; isDigit(c); c = this.at(++pos)) {
        if (digits < EXACT_DIGITS) {
          mantissa = mantissa * 10 + (c - ZERO);
          digits++;
        } else exact = false;
      }
    } else {
      this.pos = pos;
      this.fail("a digit");
    }
    if (c === DOT) {
      c = this.at(++pos);
      if (!isDigit(c)) {
        this.pos = pos;
        this.fail("a digit after the decimal point");
      }
      for (; isDigit(c); c = this.at(++pos)) {
        if (mantissa === 0 && c === ZERO) exponent--; // leading zeros are not significant
        else if (digits < EXACT_DIGITS) {
          mantissa = mantissa * 10 + (c - ZERO);
          digits++;
          exponent--;
        } else exact = false;
      }
    }
    if (c === LOWER_E || c === UPPER_E) {
      c = this.at(++pos);
      if (c === MINUS || c === PLUS) c = this.at(++pos);
      if (!isDigit(c)) {
        this.pos = pos;
        this.fail("a digit in the exponent");
      }
      do c = this.at(++pos);
      while (isDigit(c));
      exact = false; // rare in bodies: Number reads the text
    }
    this.pos = pos;
    if (!exact || exponent < -22) {
      const { bytes } = this;
      return Number(Buffer.from(bytes.buffer, bytes.byteOffset + start, pos - start).toString("latin1"));
    }
    const value = mantissa / POW10[-exponent]!;
    return negative ? -value : value;
  }

  /** The byte at `pos`, or END past the last one. */
  private at(pos: number): number {
    return pos < this.bytes.length ? this.bytes[pos]! : END;
  }

  private skipKey(): void {
    if (this.peek() !== QUOTE) this.fail("a string (a key)");
    this.skipString();
    this.expect(COLON);
  }

  private open(byte: number): void {
    this.expect(byte);
    if (++this.depth > MAX_JSON_DEPTH) {
      throw new JsonSyntaxError(`the body nests arrays or objects deeper than ${MAX_JSON_DEPTH} levels (at byte ${this.pos - 1})`);
    }
  }

  private skipString(): void {
    let pos = this.pos + 1; // past the opening quote
    for (;;) {
      const c = this.at(pos);
      if (c === QUOTE) break;
      if (c < SPACE) {
        this.pos = pos;
        this.fail("a closing quote");
      }
      if (c === BACKSLASH) {
        const e = this.at(pos + 1);
        if (e === 0x75 /* u */) {
          for (let k = 2; k < 6; k++) {
            const h = this.at(pos + k);
            if (h < 0 || h >= 128 || HEX[h] === 0) {
              this.pos = pos + k;
              this.fail("a hexadecimal digit");
            }
          }
          pos += 6;
          continue;
        }
        if (e < 0 || !'"\\/bfnrt'.includes(String.fromCharCode(e))) {
          this.pos = pos + 1;
          this.fail("an escape (\\\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t or \\u)");
        }
        pos += 2;
        continue;
      }
      pos++;
    }
    this.pos = pos + 1;
  }

  private literal(): void {
    const { bytes, pos } = this;
    for (const word of LITERALS) {
      if (bytes[pos] === word[0] && Buffer.compare(bytes.subarray(pos, pos + word.length), word) === 0) {
        this.pos += word.length;
        return;
      }
    }
    this.fail("a JSON value");
  }

  /** `JSON.parse` of the text that `skipOver` moves the cursor across, from `start`. */
  private parseSlice(start: number, skipOver: () => void): unknown {
    skipOver();
    return JSON.parse(this.decoder.decode(this.bytes.subarray(start, this.pos)));
  }
}
