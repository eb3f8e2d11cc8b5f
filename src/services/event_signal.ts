import { Redis } from "ioredis";

/**
 * Tells the processes of a deployment that a job has new events in the store, so that the event
 * streams of that job in other processes read them at once instead of at their next poll. Only a
 * hint: a lost signal (Redis down) costs one poll interval, never an event.
 */
export interface EventSignal {
  /** Says that `jobId` has new stored events. */
  notify(jobId: string): void;
  /** Calls `listener` with every job id notified by any process (this one included). */
  listen(listener: (jobId: string) => void): void;
  close(): Promise<void>;
}

/** An EventSignal over Redis publish/subscribe, on one channel per deployment. */
export class RedisEventSignal implements EventSignal {
  private readonly publisher: Redis;
  private subscriber: Redis | null = null;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly log?: { error(obj: object, msg: string): void },
  ) {
    // a hint is not worth waiting for: fail at once while Redis is down
    this.publisher = new Redis(url, { enableOfflineQueue: false });
    this.publisher.on("error", () => {}); // reported by the queue, which shares the server
  }

  notify(jobId: string): void {
    this.publisher.publish(this.channel, jobId).catch(() => undefined);
  }

  listen(listener: (jobId: string) => void): void {
    if (this.subscriber) throw new Error("the event signal already has a listener");
    const subscriber = new Redis(this.url);
    this.subscriber = subscriber;
    subscriber.on("error", () => {});
    subscriber.on("message", (_channel: string, jobId: string) => listener(jobId));
    // ioredis subscribes again after a reconnection
    subscriber.subscribe(this.channel).catch((error: unknown) => this.log?.error({ err: error }, "could not listen for job events"));
  }

  async close(): Promise<void> {
    this.publisher.disconnect();
    this.subscriber?.disconnect();
  }
}
