/**
 * Calls to the API, as the tab's user: the key they gave (kept in sessionStorage, so for this tab
 * only) goes as `Authorization: Bearer`; without one, requests go without (a server in open mode
 * answers them). Errors become ApiError, with the API's code, message and field details.
 */

const KEY_ITEM = "kiln.apiKey";
/** Fired on window when the key changes, for the page to show itself again with it. */
export const KEY_CHANGED = "kiln:key";

export const apiKey = {
  get: () => sessionStorage.getItem(KEY_ITEM),
  set(key) {
    sessionStorage.setItem(KEY_ITEM, key);
    window.dispatchEvent(new Event(KEY_CHANGED));
  },
  clear() {
    sessionStorage.removeItem(KEY_ITEM);
    window.dispatchEvent(new Event(KEY_CHANGED));
  },
};

export class ApiError extends Error {
  constructor(status, code, message, details = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** The Authorization header of the tab's key, if it has one. */
export function authHeaders() {
  const key = apiKey.get();
  return key ? { authorization: `Bearer ${key}` } : {};
}

/** The ApiError a failed response stands for. */
export async function apiError(res) {
  const body = await res.json().catch(() => null);
  const error = body?.error;
  return new ApiError(res.status, error?.code ?? "http_error", error?.message ?? `HTTP ${res.status}`, error?.details);
}

/** The JSON answer of `path` (null for 204); ApiError for a 4xx or 5xx. */
export async function api(path, { method = "GET", body, signal } = {}) {
  const headers = { accept: "application/json", ...authHeaders() };
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  if (!res.ok) throw await apiError(res);
  return res.status === 204 ? null : res.json();
}

/** Every item of a listing, page after page (the dashboard lists what a tenant has: tens, not millions). */
export async function listAll(path, signal) {
  const items = [];
  for (let after = null; ; ) {
    const page = await api(`${path}?limit=500${after ? `&after=${encodeURIComponent(after)}` : ""}`, { signal });
    items.push(...page.items);
    if (page.next_cursor === null) return items;
    after = page.next_cursor;
  }
}
