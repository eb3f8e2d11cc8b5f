/**
 * The schema layer: JSON request bodies (snake_case, as the HTTP API takes them) to validated specs
 * and engine objects. Zod schemas are values named as their types; each converts with
 * `z.toJSONSchema(schema, { io: "input" })` for the OpenAPI document. Cross-field rules live in the
 * builder and check functions, which throw `SpecError` with the path of the field at fault.
 */
export { SpecError, formatPath, toSpecPath, specErrorFromZod, parseSpec, type SpecPath } from "./errors.js";
export {
  LayerSpec,
  LinearSpec,
  Conv1dSpec,
  Conv2dSpec,
  ReLUSpec,
  LeakyReLUSpec,
  SigmoidSpec,
  TanhSpec,
  GELUSpec,
  SoftmaxSpec,
  LogSoftmaxSpec,
  MaxPool1dSpec,
  MaxPool2dSpec,
  AvgPool2dSpec,
  AdaptiveAvgPool2dSpec,
  DropoutSpec,
  Dropout2dSpec,
  FlattenSpec,
  LayerNormSpec,
  BatchNorm1dSpec,
  BatchNorm2dSpec,
  IdentitySpec,
  LAYER_TYPES,
  type LayerSpecInput,
} from "./layers/index.js";
export {
  ModelSpec,
  buildModel,
  resolveModel,
  parseModelSpec,
  weightsGenerator,
  MAX_LAYERS,
  MAX_INPUT_DIMS,
  DEFAULT_MAX_PARAMS,
  type ModelSpecInput,
  type LayerInfo,
  type ResolvedModel,
  type BuildModelOptions,
  type BuiltModel,
} from "./model.js";
/** The module `buildModel` builds; it lives in nn. */
export { NeuralNetwork } from "../nn/index.js";
export {
  OptimizerSpec,
  SGDSpec,
  AdamSpec,
  AdamWSpec,
  RMSpropSpec,
  AdadeltaSpec,
  OPTIMIZER_TYPES,
  checkOptimizerSpec,
  makeOptimizer,
  parseOptimizerSpec,
  type AnyOptimizer,
  type OptimizerSpecInput,
} from "./optimizers.js";
export {
  SchedulerSpec,
  StepLRSpec,
  MultiStepLRSpec,
  ExponentialLRSpec,
  CosineAnnealingLRSpec,
  OneCycleLRSpec,
  ReduceLROnPlateauSpec,
  SCHEDULER_TYPES,
  checkSchedulerSpec,
  makeScheduler,
  type JobScheduler,
  type SchedulerTarget,
  type SchedulerSpecInput,
} from "./schedulers.js";
export {
  Loss,
  EarlyStopping,
  TrainingSpec,
  isClassificationLoss,
  checkTrainingSpec,
  checkTrainingSteps,
  parseTrainingSpec,
  lossFunction,
  prepareTarget,
  type ClassificationLoss,
  type TrainingSpecInput,
} from "./training.js";
export {
  JsonDataset,
  datasetFromJson,
  datasetFromCsv,
  checkCompatibility,
  checkFeatureDtype,
  targetShapeFor,
  MAX_FEATURE_DIMS,
  type DatasetLimits,
  type DatasetTensors,
  type FeatureDtype,
  type CsvOptions,
  type ModelShapes,
  type DatasetShapes,
} from "./dataset.js";
export { readJsonDataset, type JsonDatasetBody } from "./dataset_json.js";
export { datasetFromSafetensors, datasetFromNpz } from "./dataset_files.js";
export { predictInputsFromSafetensors } from "./predict_inputs.js";
export { isZip, MAX_NPZ_ARRAY_BYTES } from "./npz.js";
export { WeightsJson, readJsonWeights } from "./weights.js";
export { JsonSyntaxError, MAX_JSON_DEPTH } from "./json_cursor.js";
export { text } from "./text.js";
export { exportOnnx, decodeModel, ONNX_BATCH, ONNX_INPUT, ONNX_IR_VERSION, ONNX_OPSET, ONNX_OUTPUT, type ModelProto } from "./onnx/index.js";
