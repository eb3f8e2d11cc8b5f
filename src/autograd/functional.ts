import { formatShape, onesLike, sameShape, Tensor } from "../tensor/index.js";
import { runBackward, type BackwardOptions } from "./engine.js";

function seedGradients(outputs: readonly Tensor[], gradOutputs: readonly (Tensor | null | undefined)[] | undefined): Tensor[] {
  return outputs.map((out, i) => {
    if (!out.requiresGrad) {
      throw new Error(`element ${i} of tensors does not require grad and does not have a grad_fn`);
    }
    const g = gradOutputs?.[i];
    if (g == null) {
      if (out.numel() !== 1) throw new Error("grad can be implicitly created only for scalar outputs");
      return onesLike(out);
    }
    if (!sameShape(g.shape, out.shape)) {
      throw new RangeError(
        `Mismatch in shape: grad_output[${i}] has a shape of ${formatShape(g.shape)} and output[${i}] has a shape of ${formatShape(out.shape)}.`,
      );
    }
    return g;
  });
}

/** `tensor.backward(gradient?)`: accumulates d(output)/d(leaf) into every leaf's `.grad`. */
export function backward(output: Tensor, gradient?: Tensor | null, options: BackwardOptions = {}): void {
  runBackward([output], seedGradients([output], [gradient]), options);
}

export interface GradOptions extends BackwardOptions {
  /** Gradients of the outputs (needed for non-scalar outputs). */
  gradOutputs?: readonly (Tensor | null)[];
  /** Return null for inputs the outputs do not depend on, instead of raising. */
  allowUnused?: boolean;
}

/**
 * PyTorch's `torch.autograd.grad`: the gradients of `outputs` with respect to `inputs`, returned
 * rather than accumulated into `.grad`.
 */
export function grad(outputs: Tensor | readonly Tensor[], inputs: Tensor | readonly Tensor[], options: GradOptions = {}): (Tensor | null)[] {
  const outs = outputs instanceof Tensor ? [outputs] : outputs;
  const ins = inputs instanceof Tensor ? [inputs] : inputs;
  ins.forEach((t, i) => {
    if (!t.requiresGrad) throw new Error(`One of the differentiated Tensors (input ${i}) does not require grad`);
  });
  const captured = runBackward(outs, seedGradients(outs, options.gradOutputs), options, ins);
  return ins.map((t) => {
    const g = captured.get(t);
    if (g === undefined && !options.allowUnused) {
      throw new Error(
        "One of the differentiated Tensors appears to not have been used in the graph. Set allowUnused: true if this is the desired behavior.",
      );
    }
    return g ?? null;
  });
}
