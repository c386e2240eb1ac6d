import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import ts from "typescript"

const internal = fileURLToPath(new URL("../../src/internal/", import.meta.url))

/** Every module a source file imports or re-exports from, type-only imports included. */
const specifiers = (source: string): ReadonlyArray<string> =>
  ts.preProcessFile(source, true, true).importedFiles.map((file) => file.fileName)

describe("internal modules", () => {
  // Public modules are built on internal ones; an import the other way makes a cycle.
  it("import only each other, never a public module", () => {
    const upward = fs
      .readdirSync(internal, { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".ts"))
      .flatMap((file) => {
        const from = path.join(internal, file)
        return specifiers(fs.readFileSync(from, "utf8"))
          .filter((specifier) => specifier.startsWith("."))
          .filter((specifier) => !path.resolve(path.dirname(from), specifier).startsWith(internal))
          .map((specifier) => `${file} imports ${specifier}`)
      })
    expect(upward).toEqual([])
  })
})
