import { SpecError } from "../../src/schema/index.js";

/** The SpecError `fn` throws (fails the test when it throws nothing or something else). */
export function specError(fn: () => unknown): SpecError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SpecError) return e;
    throw e;
  }
  throw new Error("expected a SpecError");
}
