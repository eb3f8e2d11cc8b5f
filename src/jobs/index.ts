export { JobManager, type JobManagerOptions } from "./manager.js";
export { createTrainingPool, type TrainingPool } from "./pool.js";
export { InProcessQueue, type JobQueue } from "./queue.js";
export { ModelService, modelView, type ModelView, type PredictResult, type TensorView } from "./models.js";
export { createDataset, datasetView, getDatasetSummary, type DatasetView } from "./datasets.js";
export { jobView, type JobView, type EventListener } from "./views.js";
export { NotFoundError, QueueFullError, ConflictError } from "./errors.js";
export { runTraining } from "./runner.js";
export type { TrainingTask, TrainingOutcome, TrainingMessage, EpochMetrics } from "./task.js";
