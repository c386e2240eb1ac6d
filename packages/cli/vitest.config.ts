import { mergeConfig } from "vitest/config"
import { shared } from "../../vitest.shared.js"

export default mergeConfig(shared, {
  test: {
    globalSetup: ["./test/support/build.ts"],
    // Each test starts ereq, a Node process of its own, several times; a loaded machine takes a
    // second or more per start.
    testTimeout: 30_000
  }
})
