import { fileURLToPath } from "node:url"
import { mergeConfig } from "vitest/config"
import { shared } from "../../vitest.shared.js"

// Run by `npm run test:bench` only: every client adapter in every setting, a process per case.
const merged = mergeConfig(shared, {
  root: fileURLToPath(new URL(".", import.meta.url))
})

// mergeConfig appends lists, so the shared `include` is replaced rather than merged.
export default { ...merged, test: { ...merged.test, include: ["test/adapters/**/*.test.ts"] } }
