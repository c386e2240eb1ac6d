import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url))

// Tests run against sources, so `npm test` never sees a stale build.
export const shared = defineConfig({
  resolve: {
    alias: {
      "@effect-requests/client": src("client"),
      "@effect-requests/testing": src("testing")
    }
  },
  test: {
    include: ["test/**/*.test.ts"],
    // A test that hangs fails soon, with the reason its bounded waits give. Tests that move
    // big bodies, run many processes or soak say so with a timeout of their own.
    testTimeout: 15_000,
    hookTimeout: 15_000,
    // Test files share their worker's modules: loading effect and the sources again for each file
    // cost more than all the tests of most files. Every test builds what it uses in a scope of its
    // own and closes it, so a file sees nothing another left behind.
    isolate: false
  }
})
