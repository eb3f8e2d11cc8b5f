/**
 * Security headers on every response: no sniffing, no framing, no referrer, and a CSP that allows
 * nothing, since the API answers JSON, bytes and event streams, never pages. The two pages get
 * policies of their own: Swagger UI (/docs) DOCS_CSP (app.ts passes it to @fastify/swagger-ui), the
 * dashboard (/ and /ui/) DASHBOARD_CSP (dashboard.ts).
 *
 * Set by hand, from one object built at start-up: @fastify/helmet builds helmet's middleware
 * again for every request (~2 µs each), for the same fixed headers.
 */
import type { FastifyInstance } from "fastify";

/**
 * What Swagger UI needs: its own scripts, styles and fonts (no inline script: its initializer is a
 * file), inline styles, and data: images (its icons). No `upgrade-insecure-requests`: Kiln often
 * serves plain HTTP (a container on 0.0.0.0), where it would send the page's assets to an https://
 * port nobody listens on.
 */
export const DOCS_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "connect-src 'self'",
  "font-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "img-src 'self' data:",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self' 'unsafe-inline'",
].join("; ");

/**
 * What the dashboard needs, and no more: its own modules and stylesheets (no inline script or
 * style; uPlot styles through the CSSOM, which style-src does not govern) and fetch to the API.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "base-uri 'none'",
  "connect-src 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "img-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
].join("; ");

/** No Strict-Transport-Security: Kiln speaks plain HTTP, and HTTPS (with HSTS) is its proxy's to add. */
const HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "x-permitted-cross-domain-policies": "none",
};

export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook("onRequest", (_request, reply, done) => {
    reply.headers(HEADERS);
    done();
  });
}
