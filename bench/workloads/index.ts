import { w1 } from "./w1.js";
import { w2 } from "./w2.js";
import { w3 } from "./w3.js";
import { w4 } from "./w4.js";
import { w5 } from "./w5.js";
import type { Workload } from "./types.js";

export const WORKLOADS: readonly Workload[] = [w1, w2, w3, w4, w5];
export type { BenchOptions, CaseDef, Workload } from "./types.js";
