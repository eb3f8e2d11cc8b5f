/**
 * `torch.optim` for Kiln: SGD, Adam, AdamW, RMSprop and Adadelta, and the learning-rate
 * schedulers of `torch.optim.lr_scheduler` (`lrScheduler`), with PyTorch 1.13's semantics and numbers.
 * Hyperparameters are camelCase in the API (`weightDecay`) and snake_case inside state dicts
 * (`weight_decay`), as PyTorch writes them.
 */
export {
  Optimizer,
  pyRepr,
  type ParamGroup,
  type ParamGroupInput,
  type ParamsInput,
  type SavedState,
} from "./optimizer.js";
export { SGD, NESTEROV_RULE_MESSAGE, violatesNesterovRule, type SGDOptions, type SGDGroup, type SGDState } from "./sgd.js";
export { Adam, AdamW, AdamBase, type AdamOptions, type AdamGroup, type AdamState } from "./adam.js";
export { RMSprop, type RMSpropOptions, type RMSpropGroup, type RMSpropState } from "./rmsprop.js";
export { Adadelta, type AdadeltaOptions, type AdadeltaGroup, type AdadeltaState } from "./adadelta.js";
export {
  stateDictToJSON,
  stateDictFromJSON,
  tensorToJSON,
  tensorFromJSON,
  type OptimizerStateDict,
  type OptimizerStateDictJSON,
  type ParamGroupDict,
  type ParamStateDict,
  type ParamStateJSON,
  type TensorJSON,
  type GroupValue,
  type StateDictJSONOptions,
} from "./state_dict.js";
export * as lrScheduler from "./lr_scheduler/index.js";
