let enabled = true;

/** Whether operations record the graph for backward (false inside `noGrad`). */
export function isGradEnabled(): boolean {
  return enabled;
}

/** Runs `fn` with graph recording switched to `mode`, restoring the previous mode afterwards. */
export function withGradMode<T>(mode: boolean, fn: () => T): T {
  const previous = enabled;
  enabled = mode;
  try {
    return fn();
  } finally {
    enabled = previous;
  }
}

/** PyTorch's `torch.no_grad()`: nothing computed inside `fn` records a graph. `fn` must be synchronous. */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** PyTorch's `torch.enable_grad()`. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}
