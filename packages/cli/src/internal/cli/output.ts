/**
 * How a body is shown: JSON pretty-printed and coloured on a terminal, raw
 * bytes anywhere else.
 *
 * @internal
 */

const COLOURS = {
  key: "\x1b[34;1m",
  string: "\x1b[32m",
  number: "\x1b[36m",
  literal: "\x1b[35m",
  reset: "\x1b[0m"
} as const

const paint = (colour: keyof typeof COLOURS, text: string, colours: boolean): string =>
  colours ? `${COLOURS[colour]}${text}${COLOURS.reset}` : text

/**
 * `value` as indented JSON, with ANSI colours when `colours`.
 *
 * @internal
 */
export const prettyJson = (value: unknown, colours: boolean, indent = ""): string => {
  if (value === null || typeof value === "boolean") return paint("literal", String(value), colours)
  if (typeof value === "number") return paint("number", String(value), colours)
  if (typeof value === "string") return paint("string", JSON.stringify(value), colours)
  const inner = `${indent}  `
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]"
    return `[\n${value.map((v) => `${inner}${prettyJson(v, colours, inner)}`).join(",\n")}\n${indent}]`
  }
  if (typeof value === "object") {
    const entries = Object.entries(value)
    if (entries.length === 0) return "{}"
    const lines = entries.map(
      ([k, v]) => `${inner}${paint("key", JSON.stringify(k), colours)}: ${prettyJson(v, colours, inner)}`
    )
    return `{\n${lines.join(",\n")}\n${indent}}`
  }
  return JSON.stringify(value) ?? "null"
}

/** Whether a Content-Type is JSON (`application/json`, `application/problem+json`, …). @internal */
export const isJson = (contentType: string | undefined): boolean =>
  contentType !== undefined && /^application\/([\w.-]+\+)?json\b/i.test(contentType.trim())
