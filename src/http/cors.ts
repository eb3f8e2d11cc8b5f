/**
 * CORS for the web pages of KILN_CORS_ORIGINS, and for no one when it is empty (the default):
 * without it browsers keep other origins' pages from reading Kiln's answers. No credentials
 * (cookies) are ever allowed: keys travel in the Authorization header, which pages set themselves.
 */
import cors from "@fastify/cors";
import type { FastifyInstance } from "fastify";

/** Request headers the API reads besides the CORS-safelisted ones. */
const ALLOWED_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID", "X-Request-Id"];

/** Response headers the API sends that a page may need to read. */
const EXPOSED_HEADERS = [
  "Location",
  "Retry-After",
  "Idempotent-Replayed",
  "Content-Disposition",
  "WWW-Authenticate",
  "X-Request-Id",
  "RateLimit",
  "RateLimit-Policy",
  "RateLimit-Limit",
  "RateLimit-Remaining",
  "RateLimit-Reset",
];

/** Browsers may reuse a preflight's answer this long (Chromium caps it at 2 hours). */
const PREFLIGHT_MAX_AGE_S = 600;

export async function installCors(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  if (origins.length === 0) return;
  const allowed = new Set(origins);
  await app.register(cors, {
    // true echoes the page's origin back; false sends no CORS header at all (a list would still send Expose-Headers)
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    methods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    credentials: false,
    maxAge: PREFLIGHT_MAX_AGE_S,
  });
}
