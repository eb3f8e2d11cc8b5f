import { describe, expect, it } from "vitest";
import { Tensor, fromTypedArray, zeros } from "../../src/tensor/index.js";
import * as optim from "../../src/optim/index.js";

/** Deterministic pseudo-random floats in [-1, 1) (no dependence on the tensor RNG). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

function randTensor(shape: number[], next: () => number, dtype: "float32" | "float64" = "float32"): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = next();
  return fromTypedArray(data, shape, { dtype });
}

function makeParams(seed = 1, dtype: "float32" | "float64" = "float32"): Tensor[] {
  const next = lcg(seed);
  return [randTensor([3, 4], next, dtype).requiresGrad_(), randTensor([4], next, dtype).requiresGrad_()];
}

function values(t: Tensor): number[] {
  return Array.from(t.data as Float32Array);
}

type Factory = (params: Tensor[]) => optim.Optimizer<object, unknown>;

const FACTORIES: [string, Factory][] = [
  ["SGD nesterov", (p) => new optim.SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
  ["SGD plain", (p) => new optim.SGD(p, { lr: 0.1 })],
  ["Adam amsgrad", (p) => new optim.Adam(p, { lr: 0.01, amsgrad: true, weightDecay: 0.1 })],
  ["AdamW", (p) => new optim.AdamW(p, { lr: 0.01 })],
  ["RMSprop centered momentum", (p) => new optim.RMSprop(p, { lr: 0.01, momentum: 0.9, centered: true })],
  [
    "Adam groups",
    (p) => new optim.Adam([{ params: [p[0]!] }, { params: [p[1]!], lr: 0.05, betas: [0.8, 0.9] }], { lr: 0.01 }),
  ],
];

/** Runs `steps` steps with gradients drawn from `next`; the second parameter has no gradient on odd steps. */
function run(opt: optim.Optimizer<object, unknown>, params: Tensor[], next: () => number, steps: number, start = 0): void {
  for (let s = start; s < start + steps; s++) {
    params.forEach((p, i) => {
      p.grad = i === 1 && s % 2 === 1 ? null : randTensor([...p.shape], next, p.dtype as "float32" | "float64");
    });
    opt.step();
  }
}

describe("argument validation (PyTorch's messages)", () => {
  const p = () => makeParams();
  it("SGD", () => {
    expect(() => new optim.SGD(p(), { lr: -0.1 })).toThrow("Invalid learning rate: -0.1");
    expect(() => new optim.SGD(p(), { lr: 0.1, momentum: -1 })).toThrow("Invalid momentum value: -1");
    expect(() => new optim.SGD(p(), { lr: 0.1, weightDecay: -0.5 })).toThrow("Invalid weight_decay value: -0.5");
    expect(() => new optim.SGD(p(), { lr: 0.1, nesterov: true })).toThrow(
      "Nesterov momentum requires a momentum and zero dampening",
    );
    expect(() => new optim.SGD(p(), { lr: 0.1, nesterov: true, momentum: 0.9, dampening: 0.1 })).toThrow(
      "Nesterov momentum requires a momentum and zero dampening",
    );
    expect(() => new optim.SGD(p(), { lr: NaN })).toThrow("Invalid learning rate: nan");
    expect(() => new optim.SGD([{ params: p() }])).toThrow(
      "parameter group didn't specify a value of required optimization parameter lr",
    );
    expect(() => new optim.SGD([{ params: p(), lr: 0.1 }])).not.toThrow();
  });

  it("Adam and AdamW", () => {
    for (const Ctor of [optim.Adam, optim.AdamW]) {
      expect(() => new Ctor(p(), { lr: -1e-5 })).toThrow("Invalid learning rate: -1e-05");
      expect(() => new Ctor(p(), { eps: -1e-8 })).toThrow("Invalid epsilon value: -1e-08");
      expect(() => new Ctor(p(), { betas: [1, 0.999] })).toThrow("Invalid beta parameter at index 0: 1");
      expect(() => new Ctor(p(), { betas: [0.9, -0.5] })).toThrow("Invalid beta parameter at index 1: -0.5");
      expect(() => new Ctor(p(), { weightDecay: -0.01 })).toThrow("Invalid weight_decay value: -0.01");
    }
  });

  it("RMSprop", () => {
    expect(() => new optim.RMSprop(p(), { lr: -0.1 })).toThrow("Invalid learning rate: -0.1");
    expect(() => new optim.RMSprop(p(), { eps: -1 })).toThrow("Invalid epsilon value: -1");
    expect(() => new optim.RMSprop(p(), { momentum: -0.9 })).toThrow("Invalid momentum value: -0.9");
    expect(() => new optim.RMSprop(p(), { weightDecay: -1 })).toThrow("Invalid weight_decay value: -1");
    expect(() => new optim.RMSprop(p(), { alpha: -0.99 })).toThrow("Invalid alpha value: -0.99");
  });

  it("validates the values of every parameter group", () => {
    expect(() => new optim.Adam([{ params: p(), lr: -2 }])).toThrow("Invalid learning rate: -2");
  });

  it("parameter lists", () => {
    expect(() => new optim.SGD([], { lr: 0.1 })).toThrow("optimizer got an empty parameter list");
    expect(() => new optim.Adam([])).toThrow("optimizer got an empty parameter list");
    expect(() => new optim.Adam(makeParams()[0] as unknown as Tensor[])).toThrow(
      "params argument given to the optimizer should be an iterable of Tensors or dicts",
    );
    const [a, b] = makeParams();
    expect(() => new optim.Adam([a!, a!])).toThrow("duplicate parameters");
    expect(() => new optim.Adam([{ params: [a!] }, { params: [a!, b!] }])).toThrow(
      "some parameters appear in more than one parameter group",
    );
    expect(() => new optim.Adam([a!.mul(2)])).toThrow("can't optimize a non-leaf Tensor");
    expect(() => new optim.Adam([zeros([2], { dtype: "int64" })])).toThrow("floating point");
    // a generator is an iterable too; a single Tensor as a group's params is accepted
    function* gen() {
      yield a!;
      yield b!;
    }
    expect(new optim.Adam(gen()).paramGroups[0]!.params).toEqual([a, b]);
    expect(new optim.Adam([{ params: a! }]).paramGroups[0]!.params).toEqual([a]);
  });

  it("formats numbers as Python's repr", () => {
    expect(optim.pyRepr(-0.1)).toBe("-0.1");
    expect(optim.pyRepr(-1)).toBe("-1");
    expect(optim.pyRepr(1e-8)).toBe("1e-08");
    expect(optim.pyRepr(-0.0001)).toBe("-0.0001");
    expect(optim.pyRepr(1.5e-7)).toBe("1.5e-07");
    expect(optim.pyRepr(2.5e20)).toBe("2.5e+20");
    expect(optim.pyRepr(1.5e300)).toBe("1.5e+300");
    expect(optim.pyRepr(-Infinity)).toBe("-inf");
  });
});

describe("paramGroups", () => {
  it("hold every hyperparameter, defaults filled in, camelCase", () => {
    const [a, b] = makeParams();
    const opt = new optim.Adam([{ params: [a!] }, { params: [b!], lr: 0.1, betas: [0.5, 0.6] }], { weightDecay: 0.2 });
    expect(opt.paramGroups[0]).toEqual({ params: [a], lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.2, amsgrad: false, maximize: false });
    expect(opt.paramGroups[1]).toMatchObject({ lr: 0.1, betas: [0.5, 0.6], weightDecay: 0.2 });
    expect(new optim.AdamW(makeParams()).paramGroups[0]!.weightDecay).toBe(0.01);
    expect(new optim.RMSprop(makeParams()).paramGroups[0]).toMatchObject({ lr: 0.01, alpha: 0.99, eps: 1e-8, momentum: 0, centered: false });
  });

  it("a changed lr takes effect at the next step", () => {
    const p = fromTypedArray(Float32Array.of(1, 2), [2]).requiresGrad_();
    const opt = new optim.SGD([p], { lr: 0.5 });
    p.grad = fromTypedArray(Float32Array.of(1, 1), [2]);
    opt.step();
    expect(values(p)).toEqual([0.5, 1.5]);
    opt.paramGroups[0]!.lr = 0.25;
    opt.step();
    expect(values(p)).toEqual([0.25, 1.25]);
    expect(opt.stateDict().param_groups[0]!.lr).toBe(0.25);
  });

  it("addParamGroup adds parameters later", () => {
    const [a, b] = makeParams();
    const opt = new optim.SGD([a!], { lr: 0.1, momentum: 0.9 });
    opt.addParamGroup({ params: [b!], lr: 0.01 });
    expect(opt.paramGroups[1]).toMatchObject({ lr: 0.01, momentum: 0.9 });
    expect(() => opt.addParamGroup({ params: [a!] })).toThrow("more than one parameter group");
  });
});

describe("step", () => {
  it("skips parameters without a gradient and creates no state for them", () => {
    for (const [, make] of FACTORIES) {
      const params = makeParams();
      const before = values(params[1]!);
      const opt = make(params);
      params[0]!.grad = randTensor([3, 4], lcg(5));
      params[1]!.grad = null;
      opt.step();
      expect(values(params[1]!)).toEqual(before);
      expect(opt.state.has(params[1]!)).toBe(false);
      expect(opt.state.has(params[0]!)).toBe(true);
      expect(Object.keys(opt.stateDict().state)).toEqual(["0"]);
    }
  });

  it("updates the parameter storage in place and leaves the gradient alone", () => {
    const [a] = makeParams();
    const data = a!.data;
    const grad = randTensor([3, 4], lcg(9));
    const gradBefore = values(grad);
    a!.grad = grad;
    const opt = new optim.Adam([a!], { lr: 0.1, weightDecay: 0.1, maximize: true });
    opt.step();
    expect(a!.data).toBe(data);
    expect(a!.grad).toBe(grad);
    expect(values(grad)).toEqual(gradBefore);
  });

  it("rejects a gradient of the wrong shape or dtype", () => {
    const [a] = makeParams();
    const opt = new optim.SGD([a!], { lr: 0.1 });
    a!.grad = zeros([4, 3]);
    expect(() => opt.step()).toThrow("gradient of float32 parameter of shape [3, 4] is float32 of shape [4, 3]");
    a!.grad = zeros([3, 4], { dtype: "float64" });
    expect(() => opt.step()).toThrow("float64");
  });

  it("runs a closure with gradients enabled and returns its result", () => {
    const [a] = makeParams();
    const opt = new optim.SGD([a!], { lr: 0.1 });
    const loss = opt.step(() => {
      const l = a!.mul(a!).sum();
      a!.grad = null;
      l.backward();
      return l.item();
    });
    expect(typeof loss).toBe("number");
    expect(opt.step()).toBeUndefined();
  });

  it("updates float64 parameters in float64", () => {
    const params = makeParams(3, "float64");
    const opt = new optim.Adam(params, { lr: 0.1 });
    run(opt, params, lcg(4), 3);
    expect(params[0]!.data).toBeInstanceOf(Float64Array);
    expect(opt.stateDict().state[0]!.exp_avg!.dtype).toBe("float64");
  });

  it("amsgrad's running maximum propagates NaN like torch.maximum", () => {
    const p = fromTypedArray(Float32Array.of(1, 1), [2]).requiresGrad_();
    const opt = new optim.Adam([p], { amsgrad: true });
    p.grad = fromTypedArray(Float32Array.of(NaN, 1), [2]);
    opt.step();
    p.grad = fromTypedArray(Float32Array.of(1, 1), [2]);
    opt.step();
    const max = values(opt.stateDict().state[0]!.max_exp_avg_sq!);
    expect(Number.isNaN(max[0])).toBe(true);
    expect(Number.isNaN(max[1])).toBe(false);
  });

  it("SGD without momentum keeps momentum_buffer = null, as PyTorch", () => {
    const params = makeParams();
    const opt = new optim.SGD(params, { lr: 0.1 });
    run(opt, params, lcg(2), 1);
    expect(opt.stateDict().state).toEqual({ 0: { momentum_buffer: null }, 1: { momentum_buffer: null } });
  });
});

describe("zeroGrad", () => {
  it("sets gradients to null by default", () => {
    const params = makeParams();
    const opt = new optim.SGD(params, { lr: 0.1 });
    params.forEach((p) => (p.grad = randTensor([...p.shape], lcg(1))));
    opt.zeroGrad();
    expect(params.map((p) => p.grad)).toEqual([null, null]);
  });

  it("with setToNone = false replaces each gradient by fresh zeros, never writing into the old one", () => {
    const params = makeParams();
    const opt = new optim.SGD(params, { lr: 0.1 });
    const shared = randTensor([4], lcg(1));
    const before = values(shared);
    params[1]!.grad = shared;
    opt.zeroGrad(false);
    expect(params[0]!.grad).toBeNull();
    expect(params[1]!.grad).not.toBe(shared);
    expect(values(params[1]!.grad!)).toEqual([0, 0, 0, 0]);
    expect(values(shared)).toEqual(before);
  });
});

describe("stateDict / loadStateDict", () => {
  it.each(FACTORIES)("%s: resuming from a state dict continues exactly like an uninterrupted run", (_name, make) => {
    const reference = makeParams();
    const refOpt = make(reference);
    const refGrads = lcg(77);
    run(refOpt, reference, refGrads, 7);

    for (const via of ["object", "json-list", "json-base64", "json-direct"] as const) {
      const params = makeParams();
      const opt = make(params);
      const grads = lcg(77);
      run(opt, params, grads, 3);
      const sd = opt.stateDict();
      // a fresh model and optimizer, as a restarted job would build them
      const resumed = params.map((p) => fromTypedArray(new Float32Array(p.data as Float32Array), [...p.shape]).requiresGrad_());
      const fresh = make(resumed);
      if (via === "object") fresh.loadStateDict(sd);
      else {
        const text = JSON.stringify(optim.stateDictToJSON(sd, { encoding: via === "json-base64" ? "base64" : "list" }));
        const parsed = JSON.parse(text) as optim.OptimizerStateDictJSON;
        fresh.loadStateDict(via === "json-direct" ? parsed : optim.stateDictFromJSON(parsed));
      }
      run(fresh, resumed, grads, 4, 3);
      resumed.forEach((p, i) => expect(values(p), via).toEqual(values(reference[i]!)));
      expect(optim.stateDictToJSON(fresh.stateDict())).toEqual(optim.stateDictToJSON(refOpt.stateDict()));
    }
  });

  it("has PyTorch's layout and keys", () => {
    const params = makeParams();
    const opt = new optim.Adam([{ params: [params[1]!] }, { params: [params[0]!], lr: 0.1, amsgrad: true }], { weightDecay: 0.5 });
    run(opt, params, lcg(1), 2);
    const sd = opt.stateDict();
    expect(sd.param_groups).toEqual([
      { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0.5, amsgrad: false, maximize: false, params: [0] },
      { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0.5, amsgrad: true, maximize: false, params: [1] },
    ]);
    expect(Object.keys(sd.state[1]!)).toEqual(["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"]);
    expect(Object.keys(sd.state[0]!)).toEqual(["step", "exp_avg", "exp_avg_sq"]);
    expect(sd.state[1]!.step).toBe(2);
    expect(sd.state[0]!.step).toBe(1); // params[1] had no gradient on the second step
    expect(sd.state[1]!.exp_avg!.shape).toEqual([3, 4]);
    const rms = new optim.RMSprop(params, { momentum: 0.5, centered: true });
    run(rms, params, lcg(1), 1);
    expect(Object.keys(rms.stateDict().state[0]!)).toEqual(["step", "square_avg", "momentum_buffer", "grad_avg"]);
  });

  it("returns a snapshot, and loading copies (no aliasing either way)", () => {
    const params = makeParams();
    const opt = new optim.SGD(params, { lr: 0.1, momentum: 0.9 });
    run(opt, params, lcg(1), 1);
    const sd = opt.stateDict();
    const snapshot = values(sd.state[0]!.momentum_buffer!);
    run(opt, params, lcg(2), 1);
    expect(values(sd.state[0]!.momentum_buffer!)).toEqual(snapshot);

    const other = new optim.SGD(makeParams(), { lr: 0.1, momentum: 0.9 });
    other.loadStateDict(sd);
    (sd.state[0]!.momentum_buffer!.data as Float32Array).fill(42);
    sd.param_groups[0]!.lr = 7;
    expect(values(other.stateDict().state[0]!.momentum_buffer!)).toEqual(snapshot);
    expect(other.paramGroups[0]!.lr).toBe(0.1);
  });

  it("loads the hyperparameters too, keeping the group objects", () => {
    const a = new optim.SGD(makeParams(), { lr: 0.1, momentum: 0.9 });
    a.paramGroups[0]!.lr = 0.02;
    const b = new optim.SGD(makeParams(), { lr: 0.5 });
    const group = b.paramGroups[0]!;
    b.loadStateDict(a.stateDict());
    expect(b.paramGroups[0]).toBe(group);
    expect(group).toMatchObject({ lr: 0.02, momentum: 0.9 });
  });

  it("keeps extra group keys (e.g. a scheduler's initialLr <-> initial_lr) and ignores none", () => {
    const a = new optim.Adam(makeParams());
    (a.paramGroups[0] as unknown as Record<string, unknown>).initialLr = 1e-3;
    const sd = a.stateDict();
    expect(sd.param_groups[0]!.initial_lr).toBe(1e-3);
    const b = new optim.Adam(makeParams());
    b.loadStateDict(sd);
    expect((b.paramGroups[0] as unknown as Record<string, unknown>).initialLr).toBe(1e-3);
  });

  it("casts saved buffers to the parameter dtype", () => {
    const params = makeParams(1, "float64");
    const p32 = makeParams();
    const a32 = new optim.Adam(p32);
    run(a32, p32, lcg(1), 2);
    const b = new optim.Adam(params);
    b.loadStateDict(a32.stateDict());
    expect(b.stateDict().state[0]!.exp_avg!.dtype).toBe("float64");
    expect(values(b.stateDict().state[0]!.exp_avg!)).toEqual(values(a32.stateDict().state[0]!.exp_avg!));
  });

  describe("validation", () => {
    const trained = (): optim.Adam => {
      const params = makeParams();
      const opt = new optim.Adam(params, { amsgrad: true });
      run(opt, params, lcg(1), 2);
      return opt;
    };

    it("rejects a different number of groups or parameters", () => {
      const sd = trained().stateDict();
      const [a, b] = makeParams();
      expect(() => new optim.Adam([{ params: [a!] }, { params: [b!] }]).loadStateDict(sd)).toThrow(
        "loaded state dict has a different number of parameter groups: 1 in the state dict, 2 in the optimizer",
      );
      expect(() => new optim.Adam([a!]).loadStateDict(sd)).toThrow(
        "loaded state dict contains a parameter group that doesn't match the size of optimizer's group: " +
          "group 0 has 2 parameters in the state dict, 1 in the optimizer",
      );
    });

    it("rejects buffers of the wrong shape", () => {
      const sd = trained().stateDict();
      const wrong = [fromTypedArray(new Float32Array(12), [4, 3]).requiresGrad_(), makeParams()[1]!];
      expect(() => new optim.Adam(wrong, { amsgrad: true }).loadStateDict(sd)).toThrow(
        "loaded state dict: state of parameter 0 (group 0, position 0): exp_avg has shape [3, 4], but the parameter has shape [4, 3]",
      );
    });

    it("rejects missing and foreign buffers, bad steps and hyperparameters", () => {
      const good = () => optim.stateDictToJSON(trained().stateDict());
      const load = (sd: optim.OptimizerStateDictJSON) => new optim.Adam(makeParams()).loadStateDict(sd);
      let sd = good();
      delete sd.state["1"]!.max_exp_avg_sq;
      expect(() => load(sd)).toThrow("state of parameter 1 (group 0, position 1): missing max_exp_avg_sq");
      sd = good();
      sd.state["0"]!.momentum_buffer = sd.state["0"]!.exp_avg;
      expect(() => load(sd)).toThrow('unexpected key "momentum_buffer" for Adam');
      sd = good();
      sd.state["0"]!.step = -1;
      expect(() => load(sd)).toThrow("step must be a number >= 0");
      sd = good();
      sd.state["5"] = sd.state["0"]!;
      expect(() => load(sd)).toThrow("loaded state dict has state for parameter 5, which no parameter group lists");
      sd = good();
      sd.param_groups[0]!.lr = -1;
      expect(() => load(sd)).toThrow("Invalid learning rate: -1");
      sd = good();
      sd.param_groups[0]!.amsgrad = "yes";
      expect(() => load(sd)).toThrow("param_groups[0].amsgrad must be a boolean");
      sd = good();
      (sd.state["0"]!.exp_avg as optim.TensorJSON).data = [1, 2];
      expect(() => load(sd)).toThrow("2 values do not fill shape [3, 4]");
      // an SGD state dict is not an Adam one
      const sgdParams = makeParams();
      const sgd = new optim.SGD(sgdParams, { lr: 0.1, momentum: 0.9 });
      run(sgd, sgdParams, lcg(1), 1);
      expect(() => new optim.Adam(makeParams()).loadStateDict(sgd.stateDict())).toThrow("missing step");
    });

    it("leaves the optimizer unchanged when loading fails", () => {
      const opt = trained();
      const before = JSON.stringify(optim.stateDictToJSON(opt.stateDict()));
      const sd = optim.stateDictToJSON(trained().stateDict());
      sd.param_groups[0]!.lr = 0.5;
      delete sd.state["1"]!.exp_avg_sq;
      expect(() => opt.loadStateDict(sd)).toThrow("missing exp_avg_sq");
      expect(JSON.stringify(optim.stateDictToJSON(opt.stateDict()))).toBe(before);
    });
  });

  it("JSON keeps non-finite values", () => {
    const t = fromTypedArray(Float32Array.of(NaN, Infinity, -Infinity, -0, 1.5), [5]);
    const json = JSON.parse(JSON.stringify(optim.tensorToJSON(t))) as optim.TensorJSON;
    expect(json.data).toEqual(["NaN", "Infinity", "-Infinity", 0, 1.5]);
    expect(values(optim.tensorFromJSON(json, "t"))).toEqual([NaN, Infinity, -Infinity, 0, 1.5]);
    const b64 = JSON.parse(JSON.stringify(optim.tensorToJSON(t, "base64"))) as optim.TensorJSON;
    expect(Object.is(optim.tensorFromJSON(b64, "t").data[3], -0)).toBe(true);
    expect(values(optim.tensorFromJSON({ shape: [2], dtype: "float32", data: ["nan", null] }, "t"))).toEqual([NaN, NaN]);
  });
});
