/**
 * Worker-thread entry point of the shared job queue's consumer (src/services/queue_consumer.ts):
 * BullMQQueue starts it with its options as workerData and talks to it over parentPort.
 */
import { parentPort, workerData } from "node:worker_threads";
import { runQueueConsumer, type QueueConsumerOptions } from "../src/services/queue_consumer.js";

if (!parentPort) throw new Error("workers/queue_consumer runs as a worker thread");
runQueueConsumer(parentPort, workerData as QueueConsumerOptions);
