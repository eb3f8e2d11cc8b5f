import { noGrad } from "../autograd/index.js";
import { bumpVersion, formatShape, kernels, sameShape, type Tensor } from "../tensor/index.js";
import { Parameter } from "./parameter.js";
import { addIndent } from "./repr.js";

/** PyTorch's state dict: dotted names (`layers.0.weight`) to tensors, in registration order. */
export type StateDict = Record<string, Tensor>;

/**
 * The base of every layer, as `torch.nn.Module`: it owns parameters, buffers (state that is saved but
 * not learned, like batch norm's running statistics) and child modules registered by name, walks
 * them to build dotted state-dict keys, switches train/eval, and prints PyTorch's repr.
 * Subclasses allocate in the constructor, initialise in `resetParameters()`, compute in `forward`.
 */
export abstract class Module {
  /** Whether the module is in training mode (dropout active); see `train()` / `eval()`. */
  training = true;
  private readonly parametersByName = new Map<string, Parameter | null>();
  private readonly buffersByName = new Map<string, Tensor | null>();
  private readonly modulesByName = new Map<string, Module>();

  abstract forward(...inputs: Tensor[]): Tensor;

  /** The module's own settings for its repr, e.g. `in_features=50, out_features=30, bias=True`. */
  extraRepr(): string {
    return "";
  }

  /** Registers `param` under `name` (null registers an absent optional parameter, like a bias). */
  protected registerParameter<P extends Parameter | null>(name: string, param: P): P {
    this.parametersByName.set(name, param);
    return param;
  }

  /**
   * Registers `tensor` as a persistent buffer under `name`: in the state dict, not among the
   * parameters (null registers an absent one, like batch norm's statistics when it tracks none).
   */
  protected registerBuffer<T extends Tensor | null>(name: string, tensor: T): T {
    this.buffersByName.set(name, tensor);
    return tensor;
  }

  protected registerModule<M extends Module>(name: string, module: M): M {
    this.modulesByName.set(name, module);
    return module;
  }

  *namedChildren(): IterableIterator<[string, Module]> {
    yield* this.modulesByName;
  }

  *children(): IterableIterator<Module> {
    yield* this.modulesByName.values();
  }

  /** This module and every descendant, depth first, with dotted names ("" for this one). */
  *namedModules(prefix = ""): IterableIterator<[string, Module]> {
    yield [prefix, this];
    for (const [name, child] of this.modulesByName) yield* child.namedModules(prefix ? `${prefix}.${name}` : name);
  }

  *modules(): IterableIterator<Module> {
    for (const [, m] of this.namedModules()) yield m;
  }

  /** Parameters with dotted names, each listed once even when shared. */
  namedParameters(prefix = "", recurse = true): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Parameter>();
    const modules: Iterable<[string, Module]> = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [path, m] of modules) {
      for (const [name, p] of m.parametersByName) {
        if (p === null || seen.has(p)) continue;
        seen.add(p);
        out.push([path ? `${path}.${name}` : name, p]);
      }
    }
    return out;
  }

  parameters(recurse = true): Parameter[] {
    return this.namedParameters("", recurse).map(([, p]) => p);
  }

  /** Buffers with dotted names, each listed once even when shared. */
  namedBuffers(prefix = "", recurse = true): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    const modules: Iterable<[string, Module]> = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [path, m] of modules) {
      for (const [name, b] of m.buffersByName) {
        if (b === null || seen.has(b)) continue;
        seen.add(b);
        out.push([path ? `${path}.${name}` : name, b]);
      }
    }
    return out;
  }

  buffers(recurse = true): Tensor[] {
    return this.namedBuffers("", recurse).map(([, b]) => b);
  }

  /**
   * Every parameter and buffer by PyTorch's keys, sharing storage with the module (detached): each
   * module's parameters, then its buffers, then its children's.
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [path, m] of this.namedModules()) {
      for (const entries of [m.parametersByName, m.buffersByName]) {
        for (const [name, t] of entries) {
          if (t !== null) out[path ? `${path}.${name}` : name] = t.detach();
        }
      }
    }
    return out;
  }

  /**
   * Copies `state` into the parameters and buffers (cast to each one's dtype). With `strict`, every key must match; any missing,
   * unexpected or mis-shaped key is reported by name, and nothing is copied unless all is well.
   */
  loadStateDict(state: StateDict, strict = true): { missingKeys: string[]; unexpectedKeys: string[] } {
    const own = this.stateDict();
    const missingKeys = Object.keys(own).filter((k) => !(k in state));
    const unexpectedKeys = Object.keys(state).filter((k) => !(k in own));
    const errors: string[] = [];
    for (const [key, target] of Object.entries(own)) {
      const source = state[key];
      if (source === undefined) continue;
      if (!sameShape(source.shape, target.shape)) {
        errors.push(
          `size mismatch for ${key}: copying a param with shape ${formatShape(source.shape)} from checkpoint, ` +
            `the shape in current model is ${formatShape(target.shape)}.`,
        );
      }
    }
    if (strict) {
      if (unexpectedKeys.length) errors.unshift(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(", ")}.`);
      if (missingKeys.length) errors.unshift(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(", ")}.`);
    }
    if (errors.length) {
      throw new Error(`Error(s) in loading state_dict for ${this.constructor.name}:\n\t${errors.join("\n\t")}`);
    }
    noGrad(() => {
      for (const [key, target] of Object.entries(own)) {
        const source = state[key];
        if (source === undefined) continue;
        (target.data as Float32Array).set(kernels.cast(source, target.dtype).data as Float32Array);
        bumpVersion(target);
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  /** Sets training mode on this module and all descendants. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Clears every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Calls `fn` on every descendant and then this module, as PyTorch's `apply`. */
  apply(fn: (m: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /** PyTorch's repr: the class name, the extra repr and the children, indented. */
  toString(): string {
    const extra = this.extraRepr();
    const lines = extra ? extra.split("\n") : [];
    for (const [name, child] of this.modulesByName) lines.push(`(${name}): ${addIndent(child.toString(), 2)}`);
    const name = this.constructor.name;
    if (lines.length === 0) return `${name}()`;
    if (this.modulesByName.size === 0 && lines.length === 1) return `${name}(${lines[0]})`;
    return `${name}(\n  ${lines.join("\n  ")}\n)`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}
