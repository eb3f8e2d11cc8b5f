import type { GradFn, Tensor } from "../tensor/index.js";
import { isGradEnabled } from "./grad_mode.js";

/**
 * The gradients of an op's inputs, given the gradient of its output. `needs[i]` says whether input
 * i wants one, so a backward skips work nobody uses (e.g. the gradient of a data batch).
 */
export type BackwardFn = (gradOutput: Tensor, needs: readonly boolean[]) => readonly (Tensor | null | undefined)[];

export const FREED_GRAPH_MESSAGE =
  "Trying to backward through the graph a second time (or directly access saved tensors after they " +
  "have already been freed). Saved intermediate values of the graph are freed when you call " +
  ".backward() or autograd.grad(). Specify retainGraph: true if you need to backward through the " +
  "graph a second time or if you need to access saved tensors after calling backward.";

/** One recorded op: PyTorch's `grad_fn`. Its closure holds whatever its backward saved. */
export class Node implements GradFn {
  private backwardFn: BackwardFn | null;

  constructor(
    readonly name: string,
    readonly inputs: readonly Tensor[],
    readonly needs: readonly boolean[],
    backward: BackwardFn,
  ) {
    this.backwardFn = backward;
  }

  apply(gradOutput: Tensor): readonly (Tensor | null | undefined)[] {
    if (this.backwardFn === null) throw new Error(FREED_GRAPH_MESSAGE);
    return this.backwardFn(gradOutput, this.needs);
  }

  /** Drops the saved values; a later backward through this node is an error. */
  release(): void {
    this.backwardFn = null;
  }

  toString(): string {
    return `<${this.name}>`;
  }
}

/**
 * Attaches the backward of an op to its freshly computed output, when grad mode is on and some
 * input requires a gradient. Every differentiable op ends with `return record(...)`.
 */
export function record(out: Tensor, name: string, inputs: readonly Tensor[], backward: BackwardFn): Tensor {
  if (!isGradEnabled()) return out;
  let any = false;
  const needs = inputs.map((t) => {
    const r = t.requiresGrad;
    any ||= r;
    return r;
  });
  if (any) out.gradFn = new Node(name, inputs, needs, backward);
  return out;
}
