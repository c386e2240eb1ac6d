import { defineConfig } from "vitest/config"
import projects from "./vitest.workspace.js"

// The projects are listed once, in vitest.workspace.ts; vitest reads them from
// here, as `test.projects`, which is what it expects since 3.2.
export default defineConfig({
  test: {
    projects: [...projects],
    // Most of a test waits on a socket or a timer, not the CPU: more workers than cores keep both
    // busy (vitest's default on two cores is one worker).
    maxWorkers: 3,
    minWorkers: 3,
    // Read here, not from the projects: the pool is the root's (why files share workers: vitest.shared.ts).
    isolate: false
  }
})
