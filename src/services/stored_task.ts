import { safetensors, Tensor, type SharedTensor } from "../tensor/index.js";
import { datasetTensors, splitData } from "./dataset_tensors.js";
import { runTraining } from "./runner.js";
import type { StoredTrainingOutcome, StoredTrainingTask, TrainingMessage, TrainingTask } from "./task.js";

/**
 * Runs a stored task in the calling thread (a training worker's): decodes the model's weights and
 * builds the dataset tensors from the stored bytes, trains, and encodes the trained weights as the
 * safetensors file the store keeps. This is the work sized by the model and the dataset that the
 * job manager leaves to the worker.
 */
export function runStoredTraining(task: StoredTrainingTask, emit: (message: TrainingMessage) => void): StoredTrainingOutcome {
  const outcome = runTraining(decodeTask(task), emit);
  if (outcome.status !== "succeeded") return outcome;
  const weights = Object.fromEntries(Object.entries(outcome.weights).map(([k, s]) => [k, Tensor.fromShared(s)]));
  return { ...outcome, weights: safetensors.serialize(weights) };
}

function decodeTask(task: StoredTrainingTask): TrainingTask {
  const { weights, dataset, validationDataset, ...rest } = task;
  const split = task.trainingSpec.validation_split;
  const { train, validation } = splitData(datasetTensors(dataset), validationDataset ? datasetTensors(validationDataset) : null, split);
  const shared = (tensors: Record<string, Tensor>): Record<string, SharedTensor> =>
    Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, t.toShared()]));
  return {
    ...rest,
    weights: shared(safetensors.parse(weights).tensors),
    features: train.features.toShared(),
    labels: train.labels.toShared(),
    validation: validation ? { features: validation.features.toShared(), labels: validation.labels.toShared() } : null,
  };
}
