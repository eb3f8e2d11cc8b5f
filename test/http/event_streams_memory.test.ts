/**
 * 200 event-stream clients that never read (issue 13: the server's RSS reached 4.47 GB, was still
 * 4.45 GB after they left, and /healthz timed out): a real server process replays a long history
 * to 200 real sockets that read nothing. Its RSS stays bounded, it keeps answering, and its RSS
 * comes back near its baseline once the clients go. The bounds are generous (a busy 2-core
 * machine); `npm run test:stress` checks the figures.
 */
import { join } from "node:path";
import { expect, it } from "vitest";
import { SqliteStore } from "../../src/store/sqlite.js";
import { storeJobHistory } from "../helpers/job_history.js";
import { healthzLatencyDuring } from "../helpers/responsiveness.js";
import { serverProcessScope } from "./support/scope.js";
import { startServer } from "./support/server_process.js";
import { openEventStreams, rssMiB, silentClients, until } from "./support/slow_clients.js";

const { dataDir } = serverProcessScope("kiln-streams-");

const CLIENTS = 200;
/** How far above its baseline the server's RSS may go with the clients connected (it went to 4.47 GB). */
const PEAK_BOUND_MIB = 1024;
/** How far above its baseline the server's RSS may stay once they have gone. */
const AFTER_BOUND_MIB = 64;

it(`holds ${CLIENTS} clients that never read in bounded memory, and returns near its baseline once they go`, async () => {
  const dir = dataDir();
  const store = SqliteStore.open({ path: join(dir, "kiln.db") });
  const { job } = await storeJobHistory(store, { steps: 500_000 }); // ~50 MB of events each: more than a socket's buffers take
  await store.close();
  const server = await startServer({ dataDir: dir });
  const pid = server.child.pid!;
  const baseline = rssMiB(pid);

  let peak = baseline;
  const { p99Ms } = await healthzLatencyDuring(server.baseUrl, async () => {
    const clients = silentClients(server.port, `/v1/jobs/${job.id}/events`, CLIENTS);
    await until(async () => (await openEventStreams(server.baseUrl)) === CLIENTS, `the ${CLIENTS} streams are open`, 30_000);
    // the server writes to each until its socket's buffers are full, then waits for the client
    for (const started = Date.now(); Date.now() - started < 5000; await new Promise((r) => setTimeout(r, 100))) peak = Math.max(peak, rssMiB(pid));
    for (const client of clients) client.destroy();
    await until(async () => (await openEventStreams(server.baseUrl)) === 0, "every stream is over", 30_000);
  });
  expect(peak - baseline, `RSS ${baseline.toFixed(0)} MiB at rest, ${peak.toFixed(0)} MiB at most`).toBeLessThan(PEAK_BOUND_MIB);
  expect(p99Ms).toBeLessThan(2000);
  await until(() => rssMiB(pid) < baseline + AFTER_BOUND_MIB, () => `RSS (${rssMiB(pid).toFixed(0)} MiB) is within ${AFTER_BOUND_MIB} MiB of ${baseline.toFixed(0)} MiB`, 90_000);
}, 180_000);
