/**
 * The positional arguments of `ereq [METHOD] URL… [ITEM…]`, told apart, and
 * HTTPie's request items: `name=value` (JSON string), `name:=raw` (JSON
 * value), `Header:value`, `param==value`.
 *
 * @internal
 */

import { UrlError, UsageError } from "./errors.js"

/** One request item. @internal */
export type Item =
  | { readonly _tag: "Header"; readonly name: string; readonly value: string }
  | { readonly _tag: "Query"; readonly name: string; readonly value: string }
  | { readonly _tag: "Json"; readonly name: string; readonly value: unknown }

/** What the positional arguments say. @internal */
export interface Positionals {
  readonly method: string | undefined
  readonly urls: ReadonlyArray<string>
  readonly items: ReadonlyArray<Item>
}

const METHOD = /^[A-Z][A-Z-]*$/
const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//

// Longest first, so `:=` wins over `:` and `==` over `=` at the same position.
const SEPARATORS = ["==", ":=", "=", ":"] as const

/**
 * Splits an item at its first separator. Escaped separators (`\=`, `\:`) are
 * part of the name.
 *
 * @internal
 */
export const parseItem = (arg: string): Item | undefined => {
  let name = ""
  for (let i = 0; i < arg.length; i++) {
    const char = arg[i]
    if (char === "\\" && i + 1 < arg.length) {
      name += arg[i + 1]
      i++
      continue
    }
    const separator = SEPARATORS.find((s) => arg.startsWith(s, i))
    if (separator === undefined) {
      name += char
      continue
    }
    if (name === "") return undefined
    const value = arg.slice(i + separator.length)
    switch (separator) {
      case "==":
        return { _tag: "Query", name, value }
      case "=":
        return { _tag: "Json", name, value }
      case ":":
        return { _tag: "Header", name, value: value.trimStart() }
      case ":=":
        try {
          return { _tag: "Json", name, value: JSON.parse(value) as unknown }
        } catch {
          throw new UsageError({ detail: `item ${arg}: ${JSON.stringify(value)} is not valid JSON` })
        }
    }
  }
  return undefined
}

/** Whether an argument is a URL rather than an item: it has a scheme, or nothing else fits. */
const looksLikeUrl = (arg: string): boolean =>
  SCHEME.test(arg) || /^(localhost|[\d.]+|\[[\da-fA-F:]+\])(:\d+)?(\/|$)/.test(arg)

/**
 * Tells the method, the URLs and the items apart. The first argument is the
 * method when it is an upper-case word and more arguments follow; every
 * argument with a scheme (or the first one after the method, whatever it is)
 * is a URL; the rest are items.
 *
 * @internal
 */
export const parsePositionals = (args: ReadonlyArray<string>): Positionals => {
  let rest = args
  let method: string | undefined
  if (rest.length > 1 && METHOD.test(rest[0] ?? "")) {
    method = rest[0]
    rest = rest.slice(1)
  }
  const urls: Array<string> = []
  const items: Array<Item> = []
  for (const arg of rest) {
    if (/^-{1,2}[A-Za-z]/.test(arg)) throw new UsageError({ detail: `unknown option ${arg}` })
    if (urls.length === 0 || looksLikeUrl(arg)) {
      urls.push(arg)
      continue
    }
    const item = parseItem(arg)
    if (item === undefined) throw new UsageError({ detail: `${arg} is neither a URL nor a request item` })
    items.push(item)
  }
  if (urls.length === 0) throw new UsageError({ detail: "no URL given" })
  return { method, urls, items }
}

/**
 * The URL as curl reads it: `http://` when no scheme is given.
 *
 * @internal
 */
export const normalizeUrl = (raw: string): URL => {
  const withScheme = SCHEME.test(raw) ? raw : `http://${raw}`
  if (!URL.canParse(withScheme)) throw new UrlError({ url: raw })
  return new URL(withScheme)
}
