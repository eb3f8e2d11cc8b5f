import { InProcessQueue } from "../../src/services/queue.js";
import { queueContract } from "./queue_contract.js";

queueContract("in-process", async () => {
  const queue = new InProcessQueue();
  return { queue, cleanup: () => queue.close() };
});
