import { randomUUID } from "node:crypto";
import { setImmediate as nextTurn } from "node:timers/promises";
import { MessageChannel } from "node:worker_threads";
import { batchCount } from "../data/index.js";
import { checkCompatibility, checkFeatureDtype, checkTrainingSpec, checkTrainingSteps, SpecError, type LayerInfo, type TrainingSpec } from "../schema/index.js";
import type { Json, JobEvent, JobRecord, JobStatus, ModelSummaryRecord, ModelUpdate, NewEvent, Store } from "../store/index.js";
import { checkpointHistory } from "./checkpoint.js";
import { CheckpointGate } from "./checkpoint_gate.js";
import { validationSampleCount } from "./dataset_tensors.js";
import { ConflictError, NotFoundError, QueueFullError } from "./errors.js";
import { activationValues } from "./models.js";
import { owned } from "./ownership.js";
import type { TrainingPool } from "./pool.js";
import { InProcessQueue, type JobQueue, type QueueDepth } from "./queue.js";
import type { TenantQuotas } from "./quotas.js";
import {
  CONTROL,
  type EpochMetrics,
  type StoredTrainingOutcome,
  type StoredTrainingTask,
  type TrainingUpdate,
  type WorkerMessage,
} from "./task.js";
import type { EventSignal } from "./event_signal.js";
import { EventTail } from "./event_tail.js";
import { isSuperseded, JobEventWriter } from "./event_writer.js";
import { ThroughputWindow, type JobThroughput } from "./throughput.js";
import { jobMetrics, jobProgress, jobSpec, versionMetrics, type JobMetrics, type JobProgress } from "./stored_job.js";
import { storedModelSpec, storedModelSummary } from "./stored_model.js";
import { jobView, type EventListener } from "./views.js";


export interface JobManagerOptions {
  store: Store;
  /** The worker threads that train; null in a process that trains nothing (jobs run elsewhere). */
  pool: TrainingPool | null;
  /** Where queued jobs wait (default: an in-process queue). */
  queue?: JobQueue;
  /** Jobs trained at once (one per worker thread); 0 with no pool. */
  concurrency: number;
  /**
   * Set when the queue is shared with other processes: subscribers of a job that runs elsewhere
   * get its events from the store, read this often (ms).
   */
  eventPollMs?: number;
  /** With a shared queue: tells other processes' streams when this one stores a job's events. */
  eventSignal?: EventSignal;
  /**
   * Set when the queue is shared (it ignores ids it already holds): every job the store says is
   * queued or running is queued again this often (ms), so that a job whose enqueue failed (Redis
   * down) or that Redis lost still runs.
   */
  requeueIntervalMs?: number;
  maxQueuedJobs: number;
  /** Each tenant's quota of queued and running jobs, checked at submit (none when left out). */
  quotas?: TenantQuotas;
  maxEpochs: number;
  /** Most optimizer steps (epochs × batches per epoch) one job may take. */
  maxJobSteps: number;
  /** Most activation values one step may hold (batch_size × activationValues); none when left out. */
  maxStepValues?: number;
  /** Minimum time between periodic checkpoints of a running job. */
  checkpointIntervalMs?: number;
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** Told of every job this process ends (succeeded, failed or cancelled), as stored: for metrics. */
  onJobEnded?: (job: JobRecord) => void;
}

interface RunningJob {
  control: Int32Array;
  /** Opened again once a checkpoint is stored, so that storing them takes a bounded share of the time. */
  checkpointGate: CheckpointGate;
  /**
   * Another run owns the job now (a write was refused as superseded, or the queue lost the job's
   * lock): the worker stops at its next step, and nothing more of this run is written or concluded.
   */
  abandoned: boolean;
  /** Stores the run's events, checkpoints and progress under its attempt (the run's fencing token). */
  events: JobEventWriter;
  progress: JobProgress;
  lastLoss: number | null;
  epochs: EpochMetrics[];
  throughput: ThroughputWindow;
}

const now = (): string => new Date().toISOString();
const statusEvent = (status: JobStatus): NewEvent => ({ type: "status", data: { status } });
/** The first events of a job, among which its `running` status event is (queued, then running). */
const START_EVENTS = 2;
/**
 * Reads a record sized by its user (a model's weights, a dataset, a checkpoint) on a turn of the
 * event loop of its own: with SQLite each such read holds the loop (~100-200 ms for 40-64 MB), and
 * requests that wait meanwhile are served between two of them rather than after all of them.
 */
const onItsOwnTurn = <T>(read: () => Promise<T>): Promise<T> => nextTurn().then(read);

/**
 * Runs training jobs: durable records in the store, a queue, a pool of worker threads, live events for
 * subscribers, cancellation within one step, checkpoints, and recovery of interrupted jobs at
 * start-up (they continue from their last checkpoint and end exactly as an uninterrupted run).
 */
export class JobManager {
  private readonly queue: JobQueue;
  private readonly running = new Map<string, RunningJob>();
  /** Each job's subscribers: their listener, and the store tail that feeds it when the queue is shared. */
  private readonly subscribers = new Map<string, Set<{ listener: EventListener; tail: EventTail | null }>>();
  private requeueTimer: NodeJS.Timeout | null = null;
  private requeueing = false;

  constructor(private readonly options: JobManagerOptions) {
    this.queue = options.queue ?? new InProcessQueue();
    options.eventSignal?.listen((jobId) => this.subscribers.get(jobId)?.forEach((s) => s.tail?.pollNow()));
  }

  /** Picks up queued and interrupted jobs left by a previous process, oldest first. */
  async start(): Promise<void> {
    await this.requeueStored();
    const { pool, concurrency, requeueIntervalMs } = this.options;
    if (pool !== null && concurrency > 0) this.queue.consume((id, lost) => this.run(id, pool, lost), concurrency);
    if (requeueIntervalMs !== undefined) {
      this.requeueTimer = setInterval(() => void this.requeueAgain(), requeueIntervalMs);
      this.requeueTimer.unref();
    }
  }

  /** Queues every job the store says is queued or running, oldest first. */
  private async requeueStored(): Promise<void> {
    let after: string | undefined;
    // each tenant's jobs met so far: the next one's place in its tenant's line
    const ahead = new Map<string, number>();
    for (;;) {
      const page = await this.options.store.listJobs({ status: ["queued", "running"], limit: 500, after });
      for (const job of page.items) {
        const place = ahead.get(job.tenantId) ?? 0;
        ahead.set(job.tenantId, place + 1);
        await this.queue.enqueue(job.id, { tenantId: job.tenantId, ahead: place });
      }
      if (page.nextCursor === null) break;
      after = page.nextCursor;
    }
  }

  private async requeueAgain(): Promise<void> {
    if (this.requeueing) return;
    this.requeueing = true;
    try {
      await this.requeueStored();
    } catch (error) {
      this.options.log?.error({ err: error }, "could not queue the stored jobs again (tried again later)");
    } finally {
      this.requeueing = false;
    }
  }

  /**
   * Validates a training spec against its model and data (the tenant's: another tenant's answer as
   * missing ones), stores the job as the tenant's and queues it.
   */
  async submit(spec: TrainingSpec, tenantId: string, idempotencyKey?: string): Promise<{ job: JobRecord; created: boolean }> {
    const { store } = this.options;
    if (idempotencyKey !== undefined) {
      const existing = await this.byIdempotencyKey(tenantId, idempotencyKey, spec);
      if (existing) return { job: existing, created: false };
    }
    checkTrainingSpec(spec);
    if (spec.epochs > this.options.maxEpochs) {
      throw new SpecError(`epochs is ${spec.epochs}, above this service's limit of ${this.options.maxEpochs}`, ["epochs"]);
    }
    const model = owned(await store.getModelSummary(spec.model_id), tenantId, "model", spec.model_id, "model_id");
    const dataset = owned(await store.getDatasetSummary(spec.dataset_id), tenantId, "dataset", spec.dataset_id, "dataset_id");
    const validationId = spec.validation_dataset_id;
    const validation = validationId ? owned(await store.getDatasetSummary(validationId), tenantId, "dataset", validationId, "validation_dataset_id") : null;
    const modelShape = modelShapes(model);
    checkFeatureDtype(modelShape.firstLayer, dataset.featureDtype);
    checkCompatibility(modelShape, dataset, spec.loss);
    if (validation) {
      try {
        checkFeatureDtype(modelShape.firstLayer, validation.featureDtype);
        checkCompatibility(modelShape, validation, spec.loss);
      } catch (e) {
        if (e instanceof SpecError) throw new SpecError(`validation dataset: ${e.message}`, ["validation_dataset_id"]);
        throw e;
      }
    }
    const validationSamples = spec.validation_split ? validationSampleCount(dataset.numSamples, spec.validation_split) : 0;
    if (spec.validation_split && validationSamples === 0) {
      throw new SpecError(
        `validation_split ${spec.validation_split} of the dataset's ${dataset.numSamples} samples leaves no validation sample; ` +
          `give a larger split or a validation_dataset_id`,
        ["validation_split"],
      );
    }
    const trainSamples = dataset.numSamples - validationSamples;
    const batches = batchCount(trainSamples, spec.batch_size, spec.drop_last ?? false);
    if (batches === 0) {
      throw new SpecError(`batch_size ${spec.batch_size} with drop_last leaves no batch of the ${trainSamples} training samples`, ["batch_size"]);
    }
    const totalSteps = batches * spec.epochs;
    if (totalSteps > this.options.maxJobSteps) {
      throw new SpecError(
        `${spec.epochs} epochs of ${batches} batches are ${totalSteps} optimizer steps, above this service's limit of ` +
          `${this.options.maxJobSteps}; ask for fewer epochs or a larger batch_size`,
        ["epochs"],
      );
    }
    checkTrainingSteps(spec, totalSteps);
    this.checkStepSize(modelShape, spec.batch_size);
    checkBatchNormBatches(modelShape.layers, trainSamples, spec.batch_size, spec.drop_last ?? false);
    // the version a success keeps: its float32 parameters at least (buffers and the header besides)
    const ahead = (await this.options.quotas?.admitJob(tenantId, 4 * storedModelSummary(model).num_params)) ?? 0;
    if ((await store.countJobs(["queued"])) >= this.options.maxQueuedJobs) throw new QueueFullError(this.options.maxQueuedJobs);

    const at = now();
    const job: JobRecord = {
      id: `job_${randomUUID().replaceAll("-", "")}`,
      tenantId,
      modelId: spec.model_id,
      datasetId: spec.dataset_id,
      validationDatasetId: spec.validation_dataset_id ?? null,
      spec,
      status: "queued",
      progress: { epoch: 0, epochs: spec.epochs, step: 0, total_steps: totalSteps },
      metrics: { loss: null, epochs: [] },
      error: null,
      idempotencyKey: idempotencyKey ?? null,
      cancelRequested: false,
      createdAt: at,
      startedAt: null,
      finishedAt: null,
      updatedAt: at,
    };
    const result = await store.createJob(job, statusEvent("queued"));
    if (result.created) {
      this.publish(result.job.id, [{ jobId: result.job.id, seq: 1, type: "status", data: { status: "queued" } }]);
      try {
        await this.queue.enqueue(result.job.id, { tenantId, ahead });
      } catch (error) {
        // stored is accepted: a shared queue's periodic requeue queues it once the queue answers
        if (this.options.requeueIntervalMs === undefined) throw error;
        this.options.log?.error({ err: error, jobId: result.job.id }, "could not queue the job now: it is stored and will be queued again");
      }
    } else if (!sameSpec(result.job.spec, spec)) {
      throw idempotencyConflict(idempotencyKey!);
    }
    return result;
  }

  /** Refuses a batch whose forward pass alone would hold more values than a step may. */
  private checkStepSize(model: ModelShapes, batchSize: number): void {
    const max = this.options.maxStepValues;
    if (max === undefined) return;
    const perSample = activationValues(model);
    if (batchSize * perSample <= max) return;
    const most = Math.floor(max / perSample);
    throw new SpecError(
      `a batch of ${batchSize} samples makes ${batchSize * perSample} activation values in one step (${perSample} per sample), ` +
        `above this service's limit of ${max}; ${most > 0 ? `ask for a batch_size of at most ${most}` : "this model is too large to train here"}`,
      ["batch_size"],
    );
  }

  private async byIdempotencyKey(tenantId: string, key: string, spec: TrainingSpec): Promise<JobRecord | null> {
    // the store enforces uniqueness; this read lets a retry skip validation and the queue limit
    const match = await this.options.store.getJobByIdempotencyKey(tenantId, key);
    if (match && !sameSpec(match.spec, spec)) throw idempotencyConflict(key);
    return match;
  }

  /** Cancels the tenant's queued job at once, or its running one at its next step. */
  async cancel(id: string, tenantId: string): Promise<JobRecord> {
    const { store } = this.options;
    const job = owned(await store.getJob(id), tenantId, "job", id);
    if (job.status !== "queued" && job.status !== "running") {
      throw new ConflictError(`job ${id} has already ${job.status === "succeeded" ? "succeeded" : `been ${job.status}`}`, "job_not_active");
    }
    const run = this.running.get(id);
    if (run && !run.abandoned) {
      this.setControl(run, CONTROL.cancel);
      return (await store.updateJob(id, { cancelRequested: true })) ?? job;
    }
    if (await this.queue.remove(id)) return this.finish(id, null, { status: "cancelled", metrics: job.metrics, error: null, finishedAt: now() });
    // taken from a shared queue by another process (or about to start): whoever runs it sees the
    // request when it starts the job, or at its next progress write, and stops at the next step
    return (await store.updateJob(id, { cancelRequested: true })) ?? job;
  }

  /**
   * Live events of a job from now on; returns the function that unsubscribes. With a shared queue
   * the job may run in another process: then they come from the store, read after `lastSeq()` (the
   * last event the subscriber has), and may repeat events it has (listeners drop those by seq).
   */
  subscribe(jobId: string, listener: EventListener, lastSeq: () => number = () => 0): () => void {
    let set = this.subscribers.get(jobId);
    if (!set) this.subscribers.set(jobId, (set = new Set()));
    const poll = this.options.eventPollMs;
    const tail = poll === undefined ? null : new EventTail(this.options.store, jobId, listener, poll, () => this.runsHere(jobId), lastSeq);
    const subscriber = { listener, tail };
    set.add(subscriber);
    return () => {
      tail?.stop();
      set.delete(subscriber);
      if (set.size === 0) this.subscribers.delete(jobId);
    };
  }

  async stats(): Promise<{ queued: number; running: number }> {
    const { waiting, active } = await this.queue.counts();
    return { queued: waiting, running: active };
  }

  /** The queue's jobs by state; with a shared queue, the whole queue's (one round trip to Redis). */
  queueDepth(): Promise<QueueDepth> {
    return this.queue.depth();
  }

  /** The processes training from the queue (with a shared queue, every one connected to it; else this one). */
  trainers(): Promise<number> {
    return this.queue.consumers();
  }

  /** The throughput of each job this process trains, once it has taken a step. */
  throughput(): JobThroughput[] {
    const rates: JobThroughput[] = [];
    for (const [jobId, run] of this.running) {
      const r = run.abandoned ? null : run.throughput.rates();
      if (r) rates.push({ jobId, ...r });
    }
    return rates;
  }

  /** Resolves when the queue answers (Redis, for a shared one): a readiness check. */
  pingQueue(): Promise<void> {
    return this.queue.ping();
  }

  /** Checkpoints every running job and stops the workers; the jobs resume at the next start. */
  async shutdown(): Promise<void> {
    if (this.requeueTimer !== null) clearInterval(this.requeueTimer);
    const closed = this.queue.close();
    for (const run of this.running.values()) this.setControl(run, CONTROL.suspend);
    await closed;
    await this.options.pool?.destroy();
    await this.options.eventSignal?.close();
  }

  private publish(jobId: string, events: JobEvent[]): void {
    const set = this.subscribers.get(jobId);
    if (!set || events.length === 0) return;
    for (const { listener } of [...set]) listener(events);
  }

  /** Whether a run of the job in this process owns it, so that its subscribers get its events live. */
  private runsHere(jobId: string): boolean {
    const run = this.running.get(jobId);
    return run !== undefined && !run.abandoned;
  }

  /** Tells a run's worker to stop at its next step (unless it is abandoned: that one stands). */
  private setControl(run: RunningJob, control: (typeof CONTROL)["cancel" | "suspend"]): void {
    if (!run.abandoned) Atomics.store(run.control, 0, control);
  }

  /**
   * Gives the job up to the run that took it over: the worker stops at its next step, and this
   * run writes, publishes and concludes nothing more (the job is the other run's to end).
   */
  private abandon(id: string, run: RunningJob, reason: string): void {
    if (run.abandoned) return;
    run.abandoned = true;
    run.events.stop();
    Atomics.store(run.control, 0, CONTROL.abandon);
    this.options.log?.warn({ jobId: id, attempt: run.events.attempt, reason }, "job abandoned to another run");
  }

  /**
   * The queue's handler: one job from start (or resume) to end, or until another run takes it
   * over (then it resolves "abandoned", and the queue leaves the id to that run).
   */
  private async run(id: string, pool: TrainingPool, lost: AbortSignal): Promise<void | "abandoned" | "deferred"> {
    const checkpointGate = new CheckpointGate();
    const run: RunningJob = {
      control: new Int32Array(new SharedArrayBuffer(4)),
      checkpointGate,
      abandoned: false,
      events: new JobEventWriter(this.options.store, id, checkpointGate, {
        stored: (events) => {
          this.options.eventSignal?.notify(id);
          this.publish(id, events);
        },
        rowWritten: (row) => {
          // a cancel asked through another process reaches the running job through its stored row
          if (row?.cancelRequested) this.setControl(run, CONTROL.cancel);
        },
        failed: (reason) => this.abandon(id, run, reason),
        row: () => ({ progress: run.progress, metrics: this.metrics(run) }),
      }),
      progress: { epoch: 0, epochs: 0, step: 0, total_steps: 0 },
      lastLoss: null,
      epochs: [],
      throughput: new ThroughputWindow(),
    };
    // the queue handed the id here again after losing its lock: the newer run supersedes the older
    const previous = this.running.get(id);
    if (previous) this.abandon(id, previous, "the job started again in this process");
    this.running.set(id, run);
    const onLost = (): void => this.abandon(id, run, "the job queue lost the job's lock");
    if (lost.aborted) onLost();
    else lost.addEventListener("abort", onLost, { once: true });
    let outcome: void | "deferred" = undefined;
    try {
      outcome = await this.execute(id, run, pool);
    } catch (error) {
      if (isSuperseded(error)) this.abandon(id, run, "another run of the job began");
      // an abandoned run's writes may fail otherwise too (its store session ended while it stood still)
      else if (!run.abandoned) this.options.log?.error({ err: error, jobId: id }, "job failed to run");
    } finally {
      lost.removeEventListener("abort", onLost);
      if (this.running.get(id) === run) this.running.delete(id);
    }
    return run.abandoned ? "abandoned" : outcome;
  }

  /** Runs the job (see run); "deferred" when its tenant already runs all the jobs its quota allows. */
  private async execute(id: string, run: RunningJob, pool: TrainingPool): Promise<void | "deferred"> {
    const { store } = this.options;
    // a run whose lease is already lost must not begin an attempt: that would fence out the new owner
    if (run.abandoned) return;
    // from here on, no write of an earlier run of the job lands (fencing); read the job and its
    // checkpoint after this, so that they are the last ones such a run wrote
    const begun = await store.beginAttempt(id);
    if (!begun) return;
    run.events.begin(begun.attempt, begun.lastSeq);
    const resumed = begun.job.status === "running";
    let job = begun.job;
    if (!resumed) {
      const started = await this.startQueued(id, run, job.tenantId);
      if (started === null || started === "deferred") return started ?? undefined;
      job = started;
    }
    const model = await onItsOwnTurn(() => store.getModel(job.modelId));
    const dataset = await onItsOwnTurn(() => store.getDataset(job.datasetId));
    const validationId = job.validationDatasetId;
    const validationSet = validationId ? await onItsOwnTurn(() => store.getDataset(validationId)) : null;
    if (!model || !dataset || (job.validationDatasetId && !validationSet)) {
      await this.finish(id, run, failure(job, "training_error", "the job's model or dataset no longer exists"));
      return;
    }
    run.progress = { ...jobProgress(job) };
    run.epochs = [...jobMetrics(job).epochs];
    if (job.cancelRequested) this.setControl(run, CONTROL.cancel);

    const checkpoint = await onItsOwnTurn(() => store.getCheckpoint(id));
    if (resumed) {
      // interrupted: forget what happened after the last checkpoint; the run redoes it identically
      const resumeSeq = checkpoint?.seq ?? (await this.runningEventSeq(id, run.events.lastSeq));
      await store.truncateEvents(id, resumeSeq, run.events.attempt);
      // so are the epochs it finished after the checkpoint (the stored metrics may already list them)
      run.epochs = checkpoint ? checkpointHistory(checkpoint.state) : [];
      run.events.publishedUpTo(resumeSeq);
      this.options.log?.info({ jobId: id, attempt: run.events.attempt, seq: resumeSeq }, "job resumed");
    }
    if (run.abandoned) return;

    // the records' bytes move to the worker, which decodes them (the API thread never parses them)
    const task: StoredTrainingTask = {
      jobId: id,
      modelSpec: storedModelSpec(model),
      trainingSpec: jobSpec(job),
      weights: model.weights,
      generatorState: model.generatorState,
      dataset,
      validationDataset: validationSet,
      checkpoint: checkpoint?.state ?? null,
      control: run.control.buffer as SharedArrayBuffer,
      checkpointIntervalMs: this.options.checkpointIntervalMs ?? 1000,
      checkpointGate: run.checkpointGate.buffer,
    };
    const channel = new MessageChannel();
    // the task's result can overtake its last messages; the worker's "end" message marks the last one
    let drain = (): void => {};
    const drained = new Promise<void>((resolve) => (drain = resolve));
    channel.port1.on("message", (message: WorkerMessage) => {
      if (message.kind === "end") drain();
      else for (const update of message.updates) this.onUpdate(run, update);
    });
    let outcome: StoredTrainingOutcome;
    try {
      outcome = await pool.run(task, channel.port2);
      await drained;
    } catch (error) {
      outcome = { status: "failed", code: "training_error", message: (error as Error).message, step: run.progress.step, epochs: run.epochs };
    } finally {
      channel.port1.close();
    }
    await run.events.settle();
    if (run.abandoned) return;
    await this.conclude(id, run, job, outcome);
  }

  /**
   * Moves a queued job to running, within its tenant's quota of running jobs: "deferred" when the
   * tenant runs that many already (nothing written), null when the job is gone or superseded.
   */
  private async startQueued(id: string, run: RunningJob, tenantId: string): Promise<JobRecord | "deferred" | null> {
    const { store, quotas } = this.options;
    const runningLimit = quotas ? (await quotas.limits(tenantId)).running_jobs : Infinity;
    const started = await store.startJob(id, now(), [statusEvent("running")], run.events.attempt, runningLimit);
    if (started === "at_limit") return "deferred";
    if (started === null) return null;
    const events = await store.listEvents(id, run.events.lastSeq);
    run.events.publishedUpTo(events.at(-1)?.seq ?? run.events.lastSeq);
    this.publish(id, events);
    this.options.log?.info({ jobId: id, attempt: run.events.attempt }, "job started");
    return started;
  }

  private onUpdate(run: RunningJob, update: TrainingUpdate): void {
    if (run.abandoned) return;
    switch (update.kind) {
      case "progress_run": {
        const { epoch, step, batch, losses } = update;
        run.events.add(Array.from(losses, (loss, i): NewEvent => ({ type: "progress", data: { step: step + i, epoch, batch: batch + i, loss } })));
        run.progress = { ...run.progress, epoch, step: step + losses.length - 1 };
        run.lastLoss = losses[losses.length - 1]!;
        run.throughput.add(update.samples, update.seconds);
        break;
      }
      case "epoch":
        run.epochs.push(update.metrics);
        run.events.add([{ type: "epoch", data: update.metrics }]);
        break;
      case "checkpoint":
        run.events.checkpoint(update.state);
        break;
    }
  }

  private metrics(run: RunningJob): JobMetrics {
    return { loss: run.lastLoss, epochs: run.epochs };
  }

  private async conclude(id: string, run: RunningJob, job: JobRecord, outcome: StoredTrainingOutcome): Promise<void> {
    const finishedAt = now();
    switch (outcome.status) {
      case "suspended":
        this.options.log?.info({ jobId: id, step: outcome.steps }, "job suspended for shutdown");
        return;
      case "abandoned":
        return; // only an abandoned run is told to abandon, and it concludes nothing
      case "succeeded": {
        const metrics: JobMetrics = { ...this.metrics(run), stopped_early: outcome.stoppedEarly };
        await this.finish(
          id,
          run,
          { status: "succeeded", metrics, error: null, finishedAt },
          { modelId: job.modelId, weights: outcome.weights, generatorState: outcome.generatorState, metrics: versionMetrics(metrics) },
        );
        return;
      }
      case "cancelled":
        await this.finish(id, run, { status: "cancelled", metrics: this.metrics(run), error: null, finishedAt });
        return;
      case "failed":
        await this.finish(id, run, { ...failure(job, outcome.code, outcome.message), metrics: this.metrics(run) });
        return;
    }
  }

  /** Ends a job with its last status and `done` events, publishing them and closing the stream. */
  private async finish(
    id: string,
    run: RunningJob | null,
    patch: Pick<JobRecord, "status" | "metrics" | "error" | "finishedAt">,
    modelUpdate?: ModelUpdate,
  ): Promise<JobRecord> {
    const { store } = this.options;
    // after every write queued for this job, so the done event is the last one
    await run?.events.settle();
    const pending = run ? run.events.takePending() : [];
    const progress = run ? { progress: run.progress } : {};
    // the `done` event carries the ended job, written in the same transaction as the end itself
    const events = (ended: JobRecord): NewEvent[] => [...pending, statusEvent(patch.status), { type: "done", data: jobView(ended) }];
    const ended = await store.finishJob(id, { ...patch, ...progress }, events, modelUpdate, run?.events.attempt);
    if (!ended) throw new NotFoundError("job", id);
    this.options.onJobEnded?.(ended);
    this.options.eventSignal?.notify(id);
    this.publish(id, await store.listEvents(id, run?.events.lastSeq ?? 0));
    this.options.log?.info({ jobId: id, status: patch.status }, "job finished");
    return ended;
  }

  /** The seq of the job's `running` status event, where a run with no checkpoint restarts (else `lastSeq`). */
  private async runningEventSeq(id: string, lastSeq: number): Promise<number> {
    const first = await this.options.store.listEvents(id, 0, START_EVENTS);
    const running = first.find((e) => e.type === "status" && (e.data as { status?: string }).status === "running");
    return running?.seq ?? lastSeq;
  }
}

function failure(job: JobRecord, code: string, message: string): Pick<JobRecord, "status" | "metrics" | "error" | "finishedAt"> {
  return { status: "failed", metrics: job.metrics, error: { code, message }, finishedAt: now() };
}

function idempotencyConflict(key: string): ConflictError {
  return new ConflictError(`Idempotency-Key ${key} was already used for a different job`, "idempotency_conflict");
}

/** Compares two training specs as JSON (key order aside). */
function sameSpec(a: Json, b: TrainingSpec): boolean {
  const canon = (v: unknown): unknown =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as object).filter(([, x]) => x !== undefined).sort(([p], [q]) => p.localeCompare(q)).map(([k, x]) => [k, canon(x)]))
      : Array.isArray(v)
        ? v.map(canon)
        : v;
  return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}

/**
 * Refuses a job whose smallest batch gives a BatchNorm layer one value per channel: PyTorch fails
 * such a step ("Expected more than 1 value per channel when training"), here found at submit
 * rather than at the end of an epoch.
 */
function checkBatchNormBatches(layers: readonly LayerInfo[], trainSamples: number, batchSize: number, dropLast: boolean): void {
  const remainder = trainSamples % batchSize;
  const smallest = Math.min(batchSize, trainSamples, remainder === 0 || dropLast ? batchSize : remainder);
  for (const layer of layers) {
    if (layer.type !== "BatchNorm1d" && layer.type !== "BatchNorm2d") continue;
    const perChannel = smallest * layer.output_shape.slice(1).reduce((a, b) => a * b, 1);
    if (perChannel > 1) continue;
    const why = smallest === batchSize ? `batch_size ${batchSize}` : `the last batch (${trainSamples} samples in batches of ${batchSize} leave ${remainder})`;
    throw new SpecError(
      `${why} gives layers[${layer.index}] (${layer.type}) one value per channel, which it cannot normalise in training; ` +
        `${smallest === batchSize ? "use a larger batch_size" : "set drop_last, or change batch_size"}`,
      [smallest === batchSize ? "batch_size" : "drop_last"],
    );
  }
}

/** What submit's checks read of a model, its stored spec and summary parsed once. */
interface ModelShapes {
  inputShape: number[];
  outputShape: number[];
  firstLayer: string;
  layers: LayerInfo[];
}

function modelShapes(model: ModelSummaryRecord): ModelShapes {
  const { layers } = storedModelSummary(model);
  return { inputShape: storedModelSpec(model).input_shape, outputShape: layers[layers.length - 1]!.output_shape, firstLayer: layers[0]!.type, layers };
}
