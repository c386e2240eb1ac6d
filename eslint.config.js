// @ts-check
import js from "@eslint/js"
import tseslint from "typescript-eslint"

export default tseslint.config(
  {
    ignores: [
      "**/dist/**",
      "**/node_modules/**",
      "packages/bench/results/**",
      "**/*.d.ts",
      // Mutation testing's reports and its sandbox, a copy of the sources with mutants in them.
      "reports/**",
      ".stryker-tmp/**"
    ]
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/ban-ts-comment": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-empty": ["error", { allowEmptyCatch: false }]
    }
  },
  {
    // Library code imports Effect by module path: a package index loads every module, which
    // costs a CLI or a short-lived program hundreds of milliseconds at start.
    files: ["packages/client/src/**/*.ts", "packages/testing/src/**/*.ts", "packages/cli/src/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: ["effect", "@effect/platform", "@effect/platform-node", "@effect/cli"].map((name) => ({
            name,
            message: `Import by module path ("${name}/Effect", …), not the package index.`
          }))
        }
      ]
    }
  }
)
