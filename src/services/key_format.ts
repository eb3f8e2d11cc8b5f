/**
 * API keys as strings: `kiln_<prefix>_<secret>`. The prefix (12 base62 characters) is public and
 * finds the key's record; the secret (32 base62 characters, ~190 bits from randomBytes) is what
 * proves it. The store keeps only the prefix and a SHA-256 hash of the whole key.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

const BASE62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
export const KEY_PREFIX_LENGTH = 12;
const SECRET_LENGTH = 32;
const KEY = /^kiln_([A-Za-z0-9]{12})_([A-Za-z0-9]{32})$/;

/** `length` base62 characters, uniform: bytes of 248 and above are drawn again (248 = 4 × 62). */
function base62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

/** SHA-256 of the whole key, lowercase hex: what the store keeps. */
export const hashKey = (key: string): string => createHash("sha256").update(key, "utf8").digest("hex");

export interface NewKey {
  /** The key itself: shown to its creator once, never stored or logged. */
  key: string;
  prefix: string;
  hash: string;
}

export function generateKey(): NewKey {
  const prefix = base62(KEY_PREFIX_LENGTH);
  const key = `kiln_${prefix}_${base62(SECRET_LENGTH)}`;
  return { key, prefix, hash: hashKey(key) };
}

/** The prefix of a string shaped like a key, or null. */
export function keyPrefix(token: string): string | null {
  return KEY.exec(token)?.[1] ?? null;
}

/** Whether two SHA-256 hex hashes are equal, in time that does not depend on where they differ. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === 32 && y.length === 32 && timingSafeEqual(x, y);
}
