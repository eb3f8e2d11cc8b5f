import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // the stress tests measure figures on a quiet machine: `npm run test:stress`
    exclude: ["test/stress/**", "node_modules/**"],
    testTimeout: 30_000,
  },
});
