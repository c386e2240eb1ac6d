import { defineConfig } from "vitest/config"
import projects from "./vitest.workspace.js"

// The projects are listed once, in vitest.workspace.ts; vitest reads them from
// here, as `test.projects`, which is what it expects since 3.2.
export default defineConfig({ test: { projects: [...projects] } })
