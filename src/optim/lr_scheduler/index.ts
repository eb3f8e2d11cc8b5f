/** `torch.optim.lr_scheduler` for Kiln, with PyTorch 1.13's formulas, numbers and state dict keys. */
export { LRScheduler, type SchedulableOptimizer, type ScheduledGroup } from "./scheduler.js";
export { StepLR, type StepLROptions } from "./step_lr.js";
export { MultiStepLR, type MultiStepLROptions } from "./multi_step_lr.js";
export { ExponentialLR, type ExponentialLROptions } from "./exponential_lr.js";
export { CosineAnnealingLR, type CosineAnnealingLROptions } from "./cosine_annealing_lr.js";
export { OneCycleLR, CYCLE_MOMENTUM_RULE_MESSAGE, hasCyclableMomentum, type OneCycleLROptions, type AnnealStrategy, type SchedulePhase } from "./one_cycle_lr.js";
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions, type PlateauMode, type ThresholdMode } from "./reduce_lr_on_plateau.js";
export type { SchedulerStateDict, SchedulerStateValue } from "./state.js";
