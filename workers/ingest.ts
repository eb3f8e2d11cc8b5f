/**
 * Piscina entry point for parsing request bodies off the event loop (src/jobs/ingest_pool.ts): one
 * task, one body; the result comes back in shared memory, or as the failure to throw on the API
 * thread.
 */
import { ingest } from "../src/jobs/ingest.js";

export default ingest;
