/**
 * What `run.ts` and the engine processes say to each other. Every engine runs in a child process of
 * its own (Node engines over `fork` IPC, PyTorch over JSON lines on stdin/stdout), so that global
 * state (TensorFlow.js backends, V8 heaps, BLAS thread pools) never leaks from one engine into another.
 */

/** Engines in the order the table shows them. */
export const ENGINE_IDS = ["kiln", "tfjs-wasm", "tfjs-cpu", "torch"] as const;
export type EngineId = (typeof ENGINE_IDS)[number];

/** A synthetic classification data set written to disk by `data.ts` (raw little-endian arrays). */
export interface DataRef {
  /** float32, row-major [n, features]. */
  readonly xPath: string;
  /** int32 class indices, [n]. */
  readonly yPath: string;
  readonly n: number;
  readonly features: number;
  readonly classes: number;
}

/** A fully connected network: Linear layers of `sizes[i] → sizes[i+1]` with ReLU between them. */
export interface MlpSpec {
  readonly sizes: readonly number[];
}

/**
 * pytorch/examples' MNIST `Net` on [N, 1, 28, 28] inputs: Conv2d(1, 32, 3) → ReLU → Conv2d(32, 64, 3)
 * → ReLU → MaxPool2d(2) → Dropout(0.25) → Flatten → Linear(9216, 128) → ReLU → Dropout(0.5) →
 * Linear(128, 10) (its log_softmax goes into the cross-entropy, as for the MLPs).
 */
export const MNIST_CNN = "Conv(1→32,3)→ReLU→Conv(32→64,3)→ReLU→MaxPool2→Dropout→9216→128→ReLU→Dropout→10";

/** "one": a single thread; "all": every core the engine can use. */
export type Threads = "one" | "all";

/** What one engine has to build for one measured case. */
export type CaseSpec =
  | {
      /** Training: one iteration = one epoch over `data`, shuffled, in batches of `batchSize`. */
      readonly kind: "train";
      readonly mlp: MlpSpec;
      readonly optimizer: "sgd" | "adam";
      readonly lr: number;
      readonly batchSize: number;
      readonly data: DataRef;
      readonly seed: number;
      /** As for "matmul"; absent means "one". */
      readonly threads?: Threads;
    }
  | {
      /** One iteration = one float32 n×n · n×n matmul. */
      readonly kind: "matmul";
      readonly n: number;
      readonly threads: Threads;
      readonly seed: number;
    }
  | {
      /**
       * As "train", with the MNIST_CNN model (`data` has 784 features, read as [n, 1, 28, 28]), but one
       * iteration = one training step on one batch, the shuffled epochs running on across calls: an
       * epoch of TensorFlow.js's cpu backend would take minutes.
       */
      readonly kind: "train-cnn";
      readonly optimizer: "adam";
      readonly lr: number;
      readonly batchSize: number;
      readonly data: DataRef;
      readonly seed: number;
      readonly threads?: Threads;
    }
  | {
      /** As "infer", with the MNIST_CNN model in eval mode (dropout off). */
      readonly kind: "infer-cnn";
      readonly batchSize: number;
      readonly data: DataRef;
      readonly seed: number;
      readonly threads?: Threads;
    }
  | {
      /** One iteration = one forward pass (no gradients) of `batchSize` rows, output values read back. */
      readonly kind: "infer";
      readonly mlp: MlpSpec;
      readonly batchSize: number;
      readonly data: DataRef;
      readonly seed: number;
      /** As for "matmul"; absent means "one". */
      readonly threads?: Threads;
    };

export interface EngineInfo {
  readonly engine: EngineId;
  /** One line for the table header, e.g. "TensorFlow.js 4.22.0 wasm (SIMD, 1 thread)". */
  readonly description: string;
  /** Anything else worth keeping in the JSON (versions, flags, BLAS). */
  readonly details: Record<string, unknown>;
  /** Problems the reader must know about (e.g. PyTorch on the reference BLAS). */
  readonly warnings: readonly string[];
}

export type Request =
  | { readonly op: "info" }
  | { readonly op: "prepare"; readonly id: string; readonly spec: CaseSpec }
  | {
      readonly op: "run";
      readonly id: string;
      readonly iters: number;
      /** Warm-up or measured repetition (with --cpu-prof, Node engines profile the measured ones). */
      readonly phase: "warmup" | "measure";
    }
  | { readonly op: "release"; readonly id: string }
  | { readonly op: "exit" };

export interface RunResult {
  /** Wall time of the `iters` iterations, timed inside the engine process. */
  readonly seconds: number;
  /** Side numbers (e.g. the epoch's mean loss) kept in the JSON. */
  readonly extra?: Record<string, number>;
}

export type Response =
  | { readonly ok: true; readonly info?: EngineInfo; readonly result?: RunResult }
  | { readonly ok: false; readonly skip?: boolean; readonly error: string };
