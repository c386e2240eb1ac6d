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
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
