/**
 * The layers a model spec may list, with PyTorch's class names (`type`) and argument names
 * (snake_case, as `torch.nn` spells them). Shapes are checked when the model is built
 * (`buildModel` in model.ts), since they depend on the layers before.
 *
 * Dimension arguments (`Softmax.dim`, `Flatten.start_dim`, ...) follow PyTorch: they index the
 * batched tensor, whose dim 0 is the batch, and negative values count from the end.
 */
import { z } from "zod";

const int = () => z.number().int();

function layer<T extends string, S extends z.ZodRawShape>(type: T, description: string, shape: S) {
  return z
    .object({ type: z.literal(type).describe(`The layer's class, as in torch.nn: "${type}".`), ...shape })
    .strict()
    .meta({ title: type, description });
}

export const LinearSpec = layer("Linear", "torch.nn.Linear: y = x·Wᵀ + b over the last dimension of its input.", {
  out_features: int().min(1).describe("Size of each output sample's last dimension (torch.nn.Linear's out_features)."),
  in_features: int()
    .min(1)
    .optional()
    .describe(
      "Size of each input sample's last dimension. Optional: inferred from the previous layer (or input_shape); " +
        "when given it must agree.",
    ),
  bias: z.boolean().default(true).describe("Whether the layer learns an additive bias (default true)."),
});
export type LinearSpec = z.infer<typeof LinearSpec>;

export const ReLUSpec = layer("ReLU", "torch.nn.ReLU: max(0, x) elementwise.", {});
export type ReLUSpec = z.infer<typeof ReLUSpec>;

export const LeakyReLUSpec = layer("LeakyReLU", "torch.nn.LeakyReLU: x for x ≥ 0, negative_slope·x otherwise.", {
  negative_slope: z.number().default(0.01).describe("Slope for negative inputs (default 0.01)."),
});
export type LeakyReLUSpec = z.infer<typeof LeakyReLUSpec>;

export const SigmoidSpec = layer("Sigmoid", "torch.nn.Sigmoid: 1 / (1 + e^−x) elementwise.", {});
export type SigmoidSpec = z.infer<typeof SigmoidSpec>;

export const TanhSpec = layer("Tanh", "torch.nn.Tanh: tanh(x) elementwise.", {});
export type TanhSpec = z.infer<typeof TanhSpec>;

export const GELUSpec = layer("GELU", "torch.nn.GELU: x·Φ(x) elementwise.", {
  approximate: z
    .enum(["none", "tanh"])
    .default("none")
    .describe('"none" for the exact erf form (default), "tanh" for the tanh approximation.'),
});
export type GELUSpec = z.infer<typeof GELUSpec>;

const DIM_DESCRIPTION =
  "The dimension to normalise over, as PyTorch counts it: dimensions of the batched tensor, dim 0 being the batch " +
  "(which may not be chosen), negative values counting from the end. Default -1, the last dimension " +
  "(PyTorch's own default, dim=None, picks a dimension from the input's rank and is deprecated).";

export const SoftmaxSpec = layer("Softmax", "torch.nn.Softmax: e^x / Σ e^x along dim.", {
  dim: int().default(-1).describe(DIM_DESCRIPTION),
});
export type SoftmaxSpec = z.infer<typeof SoftmaxSpec>;

export const LogSoftmaxSpec = layer("LogSoftmax", "torch.nn.LogSoftmax: log(softmax(x)) along dim.", {
  dim: int().default(-1).describe(DIM_DESCRIPTION),
});
export type LogSoftmaxSpec = z.infer<typeof LogSoftmaxSpec>;

export const DropoutSpec = layer(
  "Dropout",
  "torch.nn.Dropout: in training, zeroes each element with probability p and scales the rest by 1/(1−p); identity in evaluation.",
  {
    p: z.number().min(0).max(1).default(0.5).describe("Probability of an element being zeroed, in [0, 1] (default 0.5)."),
  },
);
export type DropoutSpec = z.infer<typeof DropoutSpec>;

export const FlattenSpec = layer("Flatten", "torch.nn.Flatten: merges the dimensions start_dim..end_dim into one.", {
  start_dim: int()
    .default(1)
    .describe(
      "First dimension to flatten, counted in the batched tensor as PyTorch does (default 1, the first dimension " +
        "of a sample; the batch dimension 0 may not be flattened); negative counts from the end.",
    ),
  end_dim: int().default(-1).describe("Last dimension to flatten, counted as start_dim (default -1, the last)."),
});
export type FlattenSpec = z.infer<typeof FlattenSpec>;

export const LayerNormSpec = layer(
  "LayerNorm",
  "torch.nn.LayerNorm over the last dimension of its input (normalized_shape is that dimension's size, filled in by the builder).",
  {
    eps: z.number().gt(0).default(1e-5).describe("Added to the variance for numerical stability; > 0 (default 1e-5)."),
    elementwise_affine: z
      .boolean()
      .default(true)
      .describe("Whether the layer learns a per-element scale (initialised to ones) and shift (zeros) (default true)."),
  },
);
export type LayerNormSpec = z.infer<typeof LayerNormSpec>;

export const IdentitySpec = layer("Identity", "torch.nn.Identity: returns its input.", {});
export type IdentitySpec = z.infer<typeof IdentitySpec>;

const LAYER_SCHEMAS = [
  LinearSpec,
  ReLUSpec,
  LeakyReLUSpec,
  SigmoidSpec,
  TanhSpec,
  GELUSpec,
  SoftmaxSpec,
  LogSoftmaxSpec,
  DropoutSpec,
  FlattenSpec,
  LayerNormSpec,
  IdentitySpec,
] as const;

/** Every layer `type` a spec may use. */
export const LAYER_TYPES = LAYER_SCHEMAS.map((s) => s.shape.type.value);

/** One layer of a model spec, told apart by `type` (PyTorch's class name). */
export const LayerSpec = z
  .discriminatedUnion("type", [...LAYER_SCHEMAS], {
    error: (issue) =>
      issue.code === "invalid_union" ? `${describeType(typeField(issue.input))}; expected one of ${LAYER_TYPES.join(", ")}` : undefined,
  })
  .describe("A layer, with torch.nn's class name as `type` and its constructor arguments in snake_case.");
export type LayerSpec = z.infer<typeof LayerSpec>;
/** A layer as a request may give it (defaults not yet applied). */
export type LayerSpecInput = z.input<typeof LayerSpec>;

function typeField(input: unknown): unknown {
  return typeof input === "object" && input !== null ? (input as { type?: unknown }).type : input;
}

function describeType(type: unknown): string {
  if (type === undefined) return "missing layer type";
  return `unknown layer type ${typeof type === "string" ? JSON.stringify(type) : String(type)}`;
}
