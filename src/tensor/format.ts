/**
 * PyTorch 1.13's `repr(tensor)` (torch/_tensor_str.py) with the default print options:
 * precision 4, linewidth 80, threshold 1000, edgeitems 3.
 */

export interface Printable {
  readonly shape: readonly number[];
  readonly dtype: "float32" | "float64" | "int64" | "bool" | "uint8";
  /** Contiguous row-major, length = product of shape. */
  readonly data: Float32Array | Float64Array | BigInt64Array | Uint8Array;
}

export interface FormatSuffix {
  requiresGrad?: boolean;
  /** The grad_fn's class name, e.g. "AddmmBackward0". */
  gradFn?: string | null;
}

const PRECISION = 4;
const THRESHOLD = 1000;
const EDGEITEMS = 3;
const LINEWIDTH = 80;
const PREFIX = "tensor(";

/** PyTorch's repr: `tensor([[-0.1262,  0.1080, -0.1792]], grad_fn=<AddmmBackward0>)`. */
export function formatTensor(t: Printable, suffix: FormatSuffix = {}): string {
  const indent = PREFIX.length;
  const numel = t.shape.reduce((a, b) => a * b, 1);
  const suffixes: string[] = [];
  let body = "[]";
  if (numel === 0) {
    if (t.shape.length !== 1) suffixes.push(`size=${pyTuple(t.shape)}`);
    if (t.dtype !== "float32") suffixes.push(`dtype=torch.${t.dtype}`);
  } else {
    // PyTorch names every dtype but the default float, int64 and bool
    if (t.dtype === "float64" || t.dtype === "uint8") suffixes.push(`dtype=torch.${t.dtype}`);
    body = tensorStr(t, numel, indent);
  }
  // PyTorch prints requires_grad=True only for leaves; a non-leaf shows its grad_fn instead.
  if (suffix.gradFn) suffixes.push(`grad_fn=<${suffix.gradFn}>`);
  else if (suffix.requiresGrad) suffixes.push("requires_grad=True");
  return addSuffixes(PREFIX + body, suffixes, indent);
}

function pyTuple(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

/** `_add_suffixes`, including its quirk of counting a line as two characters longer than it is. */
function addSuffixes(str: string, suffixes: string[], indent: number): string {
  let out = str;
  let lastLineLen = str.length - str.lastIndexOf("\n") + 1;
  for (const s of suffixes) {
    if (lastLineLen + s.length + 2 > LINEWIDTH) {
      out += ",\n" + " ".repeat(indent) + s;
      lastLineLen = indent + s.length;
    } else {
      out += ", " + s;
      lastLineLen += s.length + 2;
    }
  }
  return out + ")";
}

/** `_tensor_str` + `_tensor_str_with_formatter` for a non-empty tensor. */
function tensorStr(t: Printable, numel: number, indent: number): string {
  const { shape } = t;
  const summarize = numel > THRESHOLD;
  // Per dimension, the indices shown; null marks the "..." gap.
  const shown = shape.map((n) =>
    summarize && n > 2 * EDGEITEMS
      ? [...range(0, EDGEITEMS), null, ...range(n - EDGEITEMS, n)]
      : range(0, n),
  );
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));

  // The formatter sees only the elements that are printed (`get_summarized_data`).
  const visible: number[] = [];
  const collect = (d: number, offset: number): void => {
    if (d === shape.length) return void visible.push(offset);
    for (const i of shown[d]!) if (i !== null) collect(d + 1, offset + i * strides[d]!);
  };
  collect(0, 0);
  const fmt = makeFormatter(t, visible);

  const render = (d: number, offset: number, ind: number): string => {
    if (shape.length === 0) return fmt.format(0);
    if (d === shape.length - 1) {
      // `_vector_str`: pack as many elements per line as fit within the linewidth.
      const items = shown[d]!.map((i) => (i === null ? " ..." : fmt.format(offset + i)));
      const perLine = Math.max(1, Math.floor((LINEWIDTH - ind) / (fmt.width + 2)));
      const lines: string[] = [];
      for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(", "));
      return "[" + lines.join(",\n" + " ".repeat(ind + 1)) + "]";
    }
    const slices = shown[d]!.map((i) =>
      i === null ? "..." : render(d + 1, offset + i * strides[d]!, ind + 1),
    );
    return "[" + slices.join("," + "\n".repeat(shape.length - d - 1) + " ".repeat(ind + 1)) + "]";
  };
  return render(0, 0, indent);
}

function range(start: number, end: number): number[] {
  return Array.from({ length: Math.max(0, end - start) }, (_, i) => start + i);
}

interface Formatter {
  readonly width: number;
  /** The element at flat index `i`, right-aligned to `width`. */
  format(i: number): string;
}

/** `_Formatter`: one common width, and for floats one of int / fixed / scientific mode. */
function makeFormatter(t: Printable, visible: number[]): Formatter {
  const { data } = t;
  let width = 1;
  let text: (i: number) => string;
  if (t.dtype === "bool" || t.dtype === "int64" || t.dtype === "uint8") {
    text = t.dtype === "bool" ? (i) => (data[i] ? "True" : "False") : (i) => String(data[i]);
    for (const i of visible) width = Math.max(width, text(i).length);
  } else {
    const values = data as Float32Array | Float64Array;
    const nonzeroFinite = visible.map((i) => values[i]!).filter((v) => Number.isFinite(v) && v !== 0);
    let intMode = true;
    let sciMode = false;
    if (nonzeroFinite.length > 0) {
      const abs = nonzeroFinite.map(Math.abs);
      const min = abs.reduce((a, b) => Math.min(a, b));
      const max = abs.reduce((a, b) => Math.max(a, b));
      intMode = nonzeroFinite.every((v) => v === Math.ceil(v));
      sciMode = max / min > 1000 || max > 1e8 || (!intMode && min < 1e-4);
      for (const v of nonzeroFinite) {
        const len = sciMode ? sci(v, PRECISION).length : intMode ? fixed(v, 0).length + 1 : fixed(v, PRECISION).length;
        width = Math.max(width, len);
      }
    }
    text = (i) => {
      const v = values[i]!;
      if (sciMode) return sci(v, PRECISION);
      if (intMode) return fixed(v, 0) + (Number.isFinite(v) ? "." : "");
      return fixed(v, PRECISION);
    };
  }
  return { width, format: (i) => text(i).padStart(width) };
}

// ---- Python's float formatting ('{:.4f}', '{:.4e}'): correctly rounded, ties to even, on the exact double.

const BITS = new DataView(new ArrayBuffer(8));

/** |x| = digits * 10^-scale exactly, for finite x. */
function exactDecimal(x: number): { digits: bigint; scale: number } {
  BITS.setFloat64(0, x);
  const bits = BITS.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exp2 = Math.max(biased, 1) - 1075;
  if (exp2 >= 0) return { digits: mantissa << BigInt(exp2), scale: 0 };
  return { digits: mantissa * 5n ** BigInt(-exp2), scale: -exp2 }; // m / 2^k = m * 5^k / 10^k
}

/** Round digits * 10^-drop to an integer, ties to even (drop may be negative: scale up). */
function shift(digits: bigint, drop: number): bigint {
  if (drop <= 0) return digits * 10n ** BigInt(-drop);
  const d = 10n ** BigInt(drop);
  const q = digits / d;
  const twice = 2n * (digits % d);
  return twice > d || (twice === d && (q & 1n) === 1n) ? q + 1n : q;
}

function signOf(x: number): string {
  return x < 0 || Object.is(x, -0) ? "-" : "";
}

function nonFinite(x: number): string {
  return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
}

/** Python's `format(x, '.{p}f')`. */
function fixed(x: number, p: number): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  const { digits, scale } = exactDecimal(x);
  const s = shift(digits, scale - p).toString().padStart(p + 1, "0");
  return signOf(x) + (p > 0 ? `${s.slice(0, -p)}.${s.slice(-p)}` : s);
}

/** Python's `format(x, '.{p}e')`: `1.0000e-05` (at least two exponent digits). */
function sci(x: number, p: number): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  const { digits, scale } = exactDecimal(x);
  let exponent = 0;
  let n = 0n;
  if (digits !== 0n) {
    const len = digits.toString().length;
    exponent = len - 1 - scale;
    n = shift(digits, len - (p + 1));
    if (n.toString().length > p + 1) {
      n /= 10n; // rounded up to the next power of ten; the dropped digit is 0
      exponent += 1;
    }
  }
  const s = n.toString().padStart(p + 1, "0");
  const mantissa = p > 0 ? `${s[0]}.${s.slice(1)}` : s;
  const e = `${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
  return `${signOf(x)}${mantissa}e${e}`;
}
