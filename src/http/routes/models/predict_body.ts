/**
 * predict's usual body, `{"inputs": [[0.25, -1.5, ...], ...]}`, read straight from its bytes: one
 * pass, no string decoding, each number read as float32 (the dtype every model computes in). A
 * 784-number sample costs a fraction of `JSON.parse` (which must round every 17-digit number to a
 * double exactly) plus secure-json-parse's prototype scans of the text.
 *
 * Anything else — another key, a string, `null`, deeper nesting, a syntax error, a number beyond
 * float32 — is left to the standard JSON parser (`undefined`), so errors and edge cases keep their
 * usual answers. The route's Zod schema validates what this returns like any other body.
 */

/** Nesting of arrays inside `inputs` read here: the batch plus samples of up to 3 dimensions. */
const MAX_DEPTH = 4;
/** Significant digits that fit a double's integer range exactly (10^15 < 2^53). */
const EXACT_DIGITS = 15;
/** 10^0 … 10^22: every power a double holds exactly, so `m * 10^e` and `m / 10^e` round once. */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const COMMA = 0x2c;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const KEY = Buffer.from('"inputs"');

/** An array of numbers and arrays, as read (values already rounded to float32). */
export type NestedNumbers = (number | NestedNumbers)[];

/** Thrown inside the reader when the body is not one it handles; never escapes it. */
class NotHandled {}
const NOT_HANDLED = new NotHandled();

const isDigit = (c: number): boolean => c >= ZERO && c <= NINE;

class Reader {
  pos = 0;

  private readonly view: DataView;

  constructor(private readonly bytes: Buffer) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  skipSpace(): void {
    const { bytes } = this;
    let c = bytes[this.pos];
    while (c === SPACE || c === LF || c === CR || c === TAB) c = bytes[++this.pos];
  }

  expect(byte: number): void {
    this.skipSpace();
    if (this.bytes[this.pos] !== byte) throw NOT_HANDLED;
    this.pos++;
  }

  key(): void {
    this.skipSpace();
    if (!this.bytes.subarray(this.pos, this.pos + KEY.length).equals(KEY)) throw NOT_HANDLED;
    this.pos += KEY.length;
  }

  /** An array whose `[` is next (after spaces), `depth` arrays deep inside `inputs`. */
  array(depth: number): NestedNumbers {
    this.expect(OPEN_ARRAY);
    const out: NestedNumbers = [];
    this.skipSpace();
    if (this.bytes[this.pos] === CLOSE_ARRAY) {
      this.pos++;
      return out;
    }
    for (;;) {
      if (this.bytes[this.pos] === OPEN_ARRAY) {
        if (depth === MAX_DEPTH) throw NOT_HANDLED;
        out.push(this.array(depth + 1));
      } else {
        out.push(this.number());
      }
      this.skipSpace();
      const c = this.bytes[this.pos++];
      if (c === CLOSE_ARRAY) return out;
      if (c !== COMMA) throw NOT_HANDLED;
      this.skipSpace();
    }
  }

  /**
   * A JSON number, as `Math.fround(JSON.parse(text))` would give it. Its first 15 significant
   * digits make an exact integer m, so the number lies in [m, m + 1) · 10^e; when both ends round
   * to the same float32, so does the number (rounding is monotonic), and no exact decimal-to-double
   * conversion is needed. Otherwise (rare: a value near a float32 rounding boundary, or |e| > 22)
   * the text goes through `Number`, which rounds exactly as `JSON.parse` does.
   */
  number(): number {
    // locals rather than fields in the digit loops: this runs for every value of the body
    const { bytes } = this;
    const start = this.pos;
    let pos = start;
    let c = bytes[pos]!;
    const negative = c === MINUS;
    if (negative) c = bytes[++pos]!;
    let mantissa = 0;
    let digits = 0;
    let exponent = 0;
    let inexact = false;
    if (c === ZERO) {
      c = bytes[++pos]!;
    } else if (isDigit(c)) {
      do {
        mantissa = mantissa * 10 + (c - ZERO);
        digits++;
        c = bytes[++pos]!;
      } while (digits < EXACT_DIGITS && isDigit(c));
      for (; isDigit(c); c = bytes[++pos]!) {
        exponent++;
        if (c !== ZERO) inexact = true;
      }
    } else {
      throw NOT_HANDLED;
    }
    if (c === DOT) {
      c = bytes[++pos]!;
      if (!isDigit(c)) throw NOT_HANDLED;
      // leading zeros of a fraction are not significant digits
      if (mantissa === 0) for (; c === ZERO; c = bytes[++pos]!) exponent--;
      // four digits at a time while they last: most of a sample's digits are in its fractions
      for (let four: number; digits + 4 <= EXACT_DIGITS && (four = this.fourDigits(pos)) >= 0; c = bytes[(pos += 4)]!) {
        mantissa = mantissa * 10_000 + four;
        digits += 4;
        exponent -= 4;
      }
      for (; digits < EXACT_DIGITS && isDigit(c); c = bytes[++pos]!) {
        mantissa = mantissa * 10 + (c - ZERO);
        digits++;
        exponent--;
      }
      for (; isDigit(c); c = bytes[++pos]!) if (c !== ZERO) inexact = true;
    }
    if (c === LOWER_E || c === UPPER_E) {
      c = bytes[++pos]!;
      const negativeExponent = c === MINUS;
      if (c === MINUS || c === PLUS) c = bytes[++pos]!;
      if (!isDigit(c)) throw NOT_HANDLED;
      let written = 0;
      do {
        // past 10^6 the value is 0 or beyond float32 either way: stop growing
        if (written < 1e6) written = written * 10 + (c - ZERO);
        c = bytes[++pos]!;
      } while (isDigit(c));
      exponent += negativeExponent ? -written : written;
    }
    this.pos = pos;
    const value = mantissa === 0 ? 0 : this.toFloat32(mantissa, exponent, inexact, start);
    if (value === Infinity) throw NOT_HANDLED; // beyond float32: the standard path answers it
    return negative ? -value : value;
  }

  /** The 4 ASCII digits at `pos` as a number (`"1234"` → 1234), or -1 if they are not 4 digits. */
  private fourDigits(pos: number): number {
    if (pos + 4 > this.bytes.length) return -1;
    const word = this.view.getUint32(pos, true); // the first digit in the low byte
    // every byte 0x30-0x39: high nibble 3, and adding 6 carries no low nibble over 9
    if ((word & 0xf0f0f0f0) !== 0x30303030 || ((word + 0x06060606) & 0xf0f0f0f0) !== 0x30303030) return -1;
    const d = word - 0x30303030; // bytes d0 d1 d2 d3
    const pairs = (d * 10 + (d >>> 8)) & 0x00ff00ff; // bytes d0d1 and d2d3
    return (pairs & 0xff) * 100 + (pairs >>> 16);
  }

  /** m · 10^e (plus less than one unit of m when `inexact`) as float32; m > 0. */
  private toFloat32(mantissa: number, exponent: number, inexact: boolean, start: number): number {
    if (exponent < 0 && exponent >= -22) {
      const low = Math.fround(mantissa / POW10[-exponent]!);
      if (!inexact || Math.fround((mantissa + 1) / POW10[-exponent]!) === low) return low;
    } else if (exponent >= 0 && exponent <= 22) {
      const low = Math.fround(mantissa * POW10[exponent]!);
      if (!inexact || Math.fround((mantissa + 1) * POW10[exponent]!) === low) return low;
    }
    return Math.abs(Math.fround(Number(this.bytes.toString("latin1", start, this.pos))));
  }
}

/** `{ inputs }` read from `body`, or undefined when the body is not one this reader handles. */
export function readPredictBody(body: Buffer): { inputs: NestedNumbers } | undefined {
  const reader = new Reader(body);
  try {
    reader.expect(OPEN_OBJECT);
    reader.key();
    reader.expect(COLON);
    const inputs = reader.array(1);
    reader.expect(CLOSE_OBJECT);
    reader.skipSpace();
    return reader.pos === body.length ? { inputs } : undefined;
  } catch (error) {
    if (error === NOT_HANDLED) return undefined;
    throw error;
  }
}
