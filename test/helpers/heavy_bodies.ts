/**
 * Request bodies sized to hurt (issue 13), built by repeating text rather than by JSON.stringify of
 * millions of values, for the responsiveness tests and the stress tests.
 */
import { fromTypedArray, safetensors } from "../../src/tensor/index.js";

export const MiB = 1024 * 1024;

/** `{"features": [[0], [0], …], "labels": [0]}` of `bytes` bytes: issue 13's 64 MiB of 16.7M one-number samples. */
export function oneNumberSamples(bytes = 64 * MiB): { body: Buffer; samples: number } {
  const head = '{"features":[';
  const tail = '[0]],"labels":[0]}';
  const samples = Math.floor((bytes - head.length - tail.length) / 4) + 1;
  return { body: Buffer.from(head + "[0],".repeat(samples - 1) + tail, "latin1"), samples };
}

/** `width` features of one sample, as JSON numbers with decimals. */
const row = (width: number): string => Array.from({ length: width }, (_, j) => ((j % 7) * 0.125 - 0.375).toFixed(6)).join(",");

/** `item(i % 3)` for i = 0 … samples - 1, joined. */
const cycle = (samples: number, item: (label: number) => string): string =>
  [0, 1, 2].map(item).join("").repeat(Math.floor(samples / 3)) + Array.from({ length: samples % 3 }, (_, i) => item(i)).join("");

/** A valid JSON dataset: `samples` samples of `width` features, class labels 0, 1, 2. */
export function jsonDataset(samples: number, width: number): Buffer {
  const features = `[${row(width)}],`.repeat(samples).slice(0, -1);
  const labels = cycle(samples, (y) => `${y},`).slice(0, -1);
  return Buffer.from(`{"name":"large","features":[${features}],"labels":[${labels}]}`, "latin1");
}

/** The same as a CSV file (a header row, the label last). */
export function csvDataset(samples: number, width: number): Buffer {
  const header = [...Array.from({ length: width }, (_, j) => `x${j}`), "y"].join(",");
  return Buffer.from(`${header}\n${cycle(samples, (y) => `${row(width)},${y}\n`)}`, "latin1");
}

/** The same as a safetensors file (F32 features, I64 labels). */
export function safetensorsDataset(samples: number, width: number): Buffer {
  const features = new Float32Array(samples * width).map((_, i) => ((i % 7) * 0.125 - 0.375));
  const labels = new BigInt64Array(samples).map((_, i) => BigInt(i % 3));
  return Buffer.from(safetensors.serialize({ features: fromTypedArray(features, [samples, width]), labels: fromTypedArray(labels, [samples]) }));
}

/** A weights body (`PUT /v1/models/{id}/weights`) for tensors of these shapes, every value 0.25. */
export function weightsJson(shapes: Record<string, number[]>): Buffer {
  const tensors = Object.entries(shapes).map(([key, shape]) => {
    const n = shape.reduce((p, q) => p * q, 1);
    return `${JSON.stringify(key)}:{"shape":${JSON.stringify(shape)},"dtype":"float32","data":[${"0.25,".repeat(n).slice(0, -1)}]}`;
  });
  return Buffer.from(`{"tensors":{${tensors.join(",")}}}`, "latin1");
}
