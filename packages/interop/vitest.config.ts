import { fileURLToPath } from "node:url"
import { mergeConfig } from "vitest/config"
import { shared } from "../../vitest.shared.js"

// Run by `npm run test:interop` only: the root workspace leaves this package out of `npm test`, since it
// needs nginx, h2o and nghttpd installed.
export default mergeConfig(shared, {
  root: fileURLToPath(new URL(".", import.meta.url)),
  test: {
    // Each test starts real server processes and moves tens of MiB through them.
    testTimeout: 120_000,
    hookTimeout: 60_000
  }
})
