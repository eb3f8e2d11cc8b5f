/** Python's `repr()` of a float, which module reprs print (`0.01`, `1e-05`, `0.5`, `1.0`). */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const exponent = Math.floor(Math.log10(Math.abs(x)));
  // Python switches to exponent notation below 1e-4 and from 1e16; JavaScript at other points
  if (exponent < -4 || exponent >= 16) {
    const [mantissa, exp] = x.toExponential().split("e") as [string, string];
    const e = Number(exp);
    return `${mantissa}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  const s = String(x);
  return s.includes(".") || s.includes("e") ? s : `${s}.0`;
}

export function pyBool(x: boolean): string {
  return x ? "True" : "False";
}

/** Python's `repr()` of a tuple of ints: `(30,)`, `(2, 3)`. */
export function pyTuple(xs: readonly number[]): string {
  return xs.length === 1 ? `(${xs[0]},)` : `(${xs.join(", ")})`;
}

/** PyTorch's `_addindent`: indents every line but the first. */
export function addIndent(s: string, spaces: number): string {
  const lines = s.split("\n");
  if (lines.length === 1) return s;
  const pad = " ".repeat(spaces);
  return [lines[0], ...lines.slice(1).map((l) => pad + l)].join("\n");
}
