/**
 * The dashboard: `GET /` answers its page, `/ui/` its ES modules and styles, `/ui/vendor/uplot/`
 * uPlot's module and styles straight from node_modules. Public, as /docs is: the files hold no
 * data; the page asks the API with the key its user types in.
 *
 * The page's files are plain JavaScript that tsc does not compile: they sit in ./dashboard/ beside
 * this module, in src/ and (copied by `npm run build`) in dist/ alike.
 */
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";
import { DASHBOARD_CSP } from "./security_headers.js";

const PAGE_ROOT = fileURLToPath(new URL("./dashboard/", import.meta.url));
const UPLOT_ROOT = dirname(createRequire(import.meta.url).resolve("uplot"));
/** What the page loads of uPlot; the rest of its dist/ (CommonJS and IIFE builds, typings) stays unserved. */
const UPLOT_FILES = new Set(["/uPlot.esm.js", "/uPlot.min.css"]);

export async function dashboard(app: FastifyInstance): Promise<void> {
  // this plugin's own hook, after the app's: the page's policy in place of the API's
  app.addHook("onRequest", (_request, reply, done) => {
    reply.header("content-security-policy", DASHBOARD_CSP);
    done();
  });
  // wildcard: false serves the files found at start-up, one route each, and nothing else
  await app.register(fastifyStatic, { root: PAGE_ROOT, prefix: "/ui/", wildcard: false, index: false });
  await app.register(fastifyStatic, {
    root: UPLOT_ROOT,
    prefix: "/ui/vendor/uplot/",
    wildcard: false,
    decorateReply: false,
    allowedPath: (path) => UPLOT_FILES.has(path),
  });
  app.get("/", (_request, reply) => reply.sendFile("index.html"));
}
