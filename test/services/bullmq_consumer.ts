/**
 * A consumer process for test/services/bullmq_queue.test.ts: takes ids from the queue given in argv,
 * prints each one it starts and never finishes it. The test kills it to play a crashed machine, or
 * keeps it to take over any id whose lock lapses.
 */
import { BullMQQueue } from "../../src/services/bullmq_queue.js";

const [url, prefix, lockDurationMs, stalledIntervalMs, concurrency = "1"] = process.argv.slice(2);
if (!url || !prefix) throw new Error("usage: bullmq_consumer.ts <redis url> <prefix> <lock ms> <stalled ms> [concurrency]");
const queue = new BullMQQueue({ url, prefix, lockDurationMs: Number(lockDurationMs), stalledIntervalMs: Number(stalledIntervalMs) });
queue.consume(async (id) => {
  process.stdout.write(`started ${id}\n`);
  await new Promise<never>(() => {});
}, Number(concurrency));
