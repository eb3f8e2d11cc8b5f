/**
 * Piscina entry point for parsing request bodies off the event loop (src/services/ingest_pool.ts): one
 * task, one body; the result comes back in shared memory, or as the failure to throw on the API
 * thread.
 */
import { ingest } from "../src/services/ingest.js";

export default ingest;
