import { formatShape, kernels, sameShape, type Tensor } from "../tensor/index.js";
import { noGrad } from "./grad_mode.js";
import { Node } from "./node.js";

export interface BackwardOptions {
  /** Keep the saved values so the graph can be walked again. */
  retainGraph?: boolean;
}

/** The nodes reachable from `roots`, ordered so that every node comes before the nodes it feeds. */
function topologicalOrder(roots: readonly Node[]): Node[] {
  const order: Node[] = [];
  const seen = new Set<Node>();
  // iterative post-order DFS: deep graphs (long training unrolls) must not overflow the stack
  const stack: [Node, number][] = [];
  for (const root of roots) {
    if (seen.has(root)) continue;
    seen.add(root);
    stack.push([root, 0]);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [node, i] = top;
      if (i < node.inputs.length) {
        top[1] = i + 1;
        const child = node.inputs[i]!.gradFn;
        if (child instanceof Node && node.needs[i] && !seen.has(child)) {
          seen.add(child);
          stack.push([child, 0]);
        }
      } else {
        stack.pop();
        order.push(node);
      }
    }
  }
  return order.reverse();
}

function accumulate(map: Map<object, Tensor>, key: object, grad: Tensor): void {
  const prev = map.get(key);
  map.set(key, prev === undefined ? grad : kernels.binary(prev, grad, ADD));
}

const ADD: kernels.BinaryRule = { float: (x, y) => x + y, int: (x, y) => x + y };

/**
 * Walks the graph from `outputs` (seeded with `gradOutputs`) in reverse topological order.
 * Gradients that reach a leaf go to `.grad` (backward) or, when `capture` lists tensors, are
 * returned for those tensors instead and no `.grad` is touched (autograd.grad).
 */
export function runBackward(
  outputs: readonly Tensor[],
  gradOutputs: readonly Tensor[],
  options: BackwardOptions,
  capture?: readonly Tensor[],
): Map<Tensor, Tensor> {
  const nodeGrads = new Map<object, Tensor>();
  const leafGrads = new Map<object, Tensor>();
  const roots: Node[] = [];
  const captured = new Map<Tensor, Tensor>();
  const wanted = capture ? new Set(capture) : null;
  // a captured non-leaf is identified by its node: its gradient is what arrives there
  const wantedNodes = new Map<Node, Tensor>();
  for (const t of capture ?? []) if (t.gradFn instanceof Node) wantedNodes.set(t.gradFn, t);

  outputs.forEach((out, i) => {
    const g = gradOutputs[i]!;
    if (out.gradFn instanceof Node) {
      accumulate(nodeGrads, out.gradFn, g);
      roots.push(out.gradFn);
    } else if (out.requiresGrad) {
      accumulate(leafGrads, out, g);
    }
  });

  const order = topologicalOrder(roots);
  noGrad(() => {
    for (const node of order) {
      const g = nodeGrads.get(node);
      if (g === undefined) continue;
      nodeGrads.delete(node);
      const owner = wantedNodes.get(node);
      if (owner) captured.set(owner, g);
      const inputGrads = node.apply(g);
      node.inputs.forEach((input, i) => {
        let ig = inputGrads[i];
        if (!node.needs[i] || ig === null || ig === undefined) return;
        // a float32 input mixed into a float64 op still gets a float32 gradient, as in PyTorch
        if (ig.dtype !== input.dtype) ig = kernels.cast(ig, input.dtype);
        if (!sameShape(ig.shape, input.shape)) {
          throw new Error(
            `Function ${node.name} returned an invalid gradient at index ${i} - got ` +
              `${formatShape(ig.shape)} but expected shape compatible with ${formatShape(input.shape)}`,
          );
        }
        if (input.gradFn instanceof Node) accumulate(nodeGrads, input.gradFn, ig);
        else accumulate(leafGrads, input, ig);
      });
      if (!options.retainGraph) node.release();
    }
  });

  for (const [leaf, g] of leafGrads) {
    const t = leaf as Tensor;
    if (wanted) {
      if (wanted.has(t)) captured.set(t, g);
    } else if (t.requiresGrad) {
      t.grad = t.grad === null ? g : kernels.binary(t.grad, g, ADD);
    }
  }
  return captured;
}
