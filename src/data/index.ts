export { Dataset, TensorDataset, type DatasetLike } from "./dataset.js";
export { defaultCollate, type Collated, type ArraySample } from "./collate.js";
export {
  Sampler,
  IndexSampler,
  SequentialSampler,
  RandomSampler,
  BatchSampler,
  batchCount,
  type RandomSamplerOptions,
  type SizedSource,
} from "./sampler.js";
export { DataLoader, DataLoaderIterator, type DataLoaderOptions, type EpochOptions } from "./dataloader.js";
