/**
 * Building the page: elements from data (text always as text nodes, never HTML), and the formats
 * the pages share.
 */

/**
 * An element: `props` are attributes, except `on<event>` (listeners) and `class`; children are
 * nodes or text, with null, undefined and false left out and arrays flattened.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** A table: `columns` as [heading, cell(row, index), className?]. */
export function table(columns, rows, props = {}) {
  return h(
    "table",
    props,
    h("thead", {}, h("tr", {}, columns.map(([heading, , className]) => h("th", { class: className }, heading)))),
    h("tbody", {}, rows.map((row, i) => h("tr", {}, columns.map(([, cell, className]) => h("td", { class: className }, cell(row, i)))))),
  );
}

export const link = (href, text) => h("a", { href }, text);

export const shape = (dims) => `[${dims.join(", ")}]`;

/** A figure with six significant digits, as the API's own number when it has fewer. */
export const figure = (x) => (x === null || x === undefined ? "—" : String(Number(x.toPrecision(6))));

export const count = (n) => n.toLocaleString("en");

export function bytes(n) {
  const units = ["B", "KiB", "MiB", "GiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) (n /= 1024), i++;
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

export function duration(ms) {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export const date = (iso) => (iso ? new Date(iso).toLocaleString("en-GB") : "—");

/** What went wrong, with the fields the API named. */
export function errorBox(error) {
  const details = error.details ?? [];
  return h(
    "div",
    { class: "error", role: "alert" },
    error.message,
    details.length > 0 && h("ul", {}, details.map((d) => h("li", {}, h("code", {}, d.path), ": ", d.message))),
  );
}

export const statusBadge = (status) => h("span", { class: `status status-${status}`, "data-status": status }, status);
