/** Rows as aligned columns under a header, for `ls` commands. */

export interface Column<T> {
  header: string;
  cell(row: T): string;
}

/** The header and one line per row, each cell padded to its column's widest; `(none)` for no rows. */
export function table<T>(columns: readonly Column<T>[], rows: readonly T[]): string {
  if (rows.length === 0) return "(none)\n";
  const cells = [columns.map((c) => c.header), ...rows.map((row) => columns.map((c) => c.cell(row)))];
  const widths = columns.map((_, j) => Math.max(...cells.map((line) => line[j]!.length)));
  return cells.map((line) => `${line.map((cell, j) => (j === line.length - 1 ? cell : cell.padEnd(widths[j]!))).join("  ")}\n`).join("");
}

/** `[1, 28, 28]`. */
export const shape = (dims: readonly number[]): string => `[${dims.join(", ")}]`;
