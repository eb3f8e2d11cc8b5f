/**
 * The bounds PyTorch's `nn.init` gives its layers' uniform initialisation, computed in doubles
 * exactly as its Python code does (the draws themselves are the generator's: tensor/generator.ts).
 */

/**
 * The bound of `kaiming_uniform_(w, a=sqrt(5))`, which `nn.Linear` (and conv layers) use for their
 * weight.
 */
export function kaimingUniformBound(fanIn: number): number {
  const gain = Math.sqrt(2 / (1 + Math.sqrt(5) ** 2));
  const std = gain / Math.sqrt(fanIn);
  return Math.sqrt(3) * std;
}

/** The bias bound of `nn.Linear`: `1 / sqrt(fan_in)` (0 when fan_in is 0). */
export function linearBiasBound(fanIn: number): number {
  return fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
}
