/**
 * The request of each URL, built from the flags and items as curl and HTTPie
 * would: method, headers, query parameters and body.
 *
 * @internal
 */
import { readFileSync, statSync } from "node:fs"
import { basename } from "node:path"
import * as Option from "effect/Option"
import { cookieHeader } from "./client-options.js"
import { FileError, UsageError } from "./errors.js"
import type { Flags } from "./flags.js"
import type { Item } from "./items.js"

/** A body to send, in memory; uploads are counted as they are streamed out. @internal */
export interface Body {
  readonly _tag: "Bytes"
  readonly bytes: Uint8Array
  readonly contentType: string | undefined
}

/** A multipart body, encoded by the platform. @internal */
export interface Multipart {
  readonly _tag: "FormData"
  readonly form: FormData
}

/** `-T`: a file streamed from disk (`-` for standard input, of unknown length). @internal */
export interface Upload {
  readonly _tag: "File"
  readonly path: string
  readonly size: number | undefined
}

/** Everything about a request but its URL. @internal */
export interface Spec {
  readonly method: string
  readonly headers: ReadonlyArray<readonly [string, string]>
  readonly query: ReadonlyArray<readonly [string, string]>
  readonly body: Body | Multipart | Upload | undefined
}

const readFile = (path: string): Buffer => {
  try {
    return path === "-" ? readFileSync(0) : readFileSync(path)
  } catch (cause) {
    throw new FileError({ path, operation: "read", cause })
  }
}

const encoder = new TextEncoder()

/** `-d`: `@file` is read with its line breaks dropped, as curl does. */
const dataArg = (value: string): string =>
  value.startsWith("@")
    ? readFile(value.slice(1))
        .toString("utf8")
        .replace(/[\r\n]/g, "")
    : value

const binaryArg = (value: string): Uint8Array =>
  value.startsWith("@") ? readFile(value.slice(1)) : encoder.encode(value)

const formData = (fields: ReadonlyArray<string>): FormData => {
  const form = new FormData()
  for (const field of fields) {
    const at = field.indexOf("=")
    if (at <= 0) throw new UsageError({ detail: `-F ${field}: expected name=value or name=@file` })
    const name = field.slice(0, at)
    const value = field.slice(at + 1)
    if (value.startsWith("@")) {
      const path = value.slice(1).split(";")[0] ?? ""
      form.append(name, new Blob([readFile(path)]), basename(path))
    } else {
      form.append(name, value)
    }
  }
  return form
}

const jsonBody = (items: ReadonlyArray<Item>): Body | undefined => {
  const fields = items.filter((item) => item._tag === "Json")
  if (fields.length === 0) return undefined
  const object: Record<string, unknown> = {}
  for (const field of fields) object[field.name] = field.value
  return { _tag: "Bytes", bytes: encoder.encode(JSON.stringify(object)), contentType: "application/json" }
}

const upload = (path: string): Upload => {
  if (path === "-") return { _tag: "File", path, size: undefined }
  try {
    return { _tag: "File", path, size: statSync(path).size }
  } catch (cause) {
    throw new FileError({ path, operation: "read", cause })
  }
}

const bodyOf = (flags: Flags, items: ReadonlyArray<Item>): Body | Multipart | Upload | undefined => {
  const sources = [
    Option.isSome(flags.uploadFile),
    flags.data.length > 0 || flags.dataBinary.length > 0,
    flags.json.length > 0,
    flags.form.length > 0,
    items.some((item) => item._tag === "Json")
  ].filter(Boolean).length
  if (sources > 1)
    throw new UsageError({ detail: "choose one of -T, -d/--data-binary, --json, -F and JSON items" })
  if (Option.isSome(flags.uploadFile)) return upload(flags.uploadFile.value)
  if (flags.form.length > 0) return { _tag: "FormData", form: formData(flags.form) }
  if (flags.json.length > 0) {
    const text = flags.json.map((value) =>
      value.startsWith("@") ? readFile(value.slice(1)).toString("utf8") : value
    )
    return { _tag: "Bytes", bytes: encoder.encode(text.join("")), contentType: "application/json" }
  }
  if (flags.data.length > 0 || flags.dataBinary.length > 0) {
    const parts: Array<Uint8Array> = [
      ...flags.data.map((value) => encoder.encode(dataArg(value))),
      ...flags.dataBinary.map(binaryArg)
    ]
    const bytes =
      parts.length === 1
        ? (parts[0] ?? new Uint8Array(0))
        : encoder.encode(parts.map((p) => Buffer.from(p).toString("utf8")).join("&"))
    return { _tag: "Bytes", bytes, contentType: "application/x-www-form-urlencoded" }
  }
  return jsonBody(items)
}

const headerArg = (raw: string): readonly [string, string] | undefined => {
  const colon = raw.indexOf(":")
  if (colon <= 0) throw new UsageError({ detail: `-H ${raw}: expected 'Name: value'` })
  const value = raw.slice(colon + 1).trim()
  // curl: `Name:` removes a header it would send; there is nothing to remove here.
  return value === "" ? undefined : [raw.slice(0, colon).trim(), value]
}

/**
 * The request `flags` and `items` describe. Throws the `UsageError` or
 * `FileError` that stops `ereq` before anything is sent.
 *
 * @internal
 */
export const makeSpec = (flags: Flags, method: string | undefined, items: ReadonlyArray<Item>): Spec => {
  const body = bodyOf(flags, items)
  const headers: Array<readonly [string, string]> = []
  const json = flags.json.length > 0 || items.some((item) => item._tag === "Json")
  if (json) headers.push(["accept", "application/json, */*;q=0.5"])
  if (flags.user._tag === "Some" && !flags.digest) {
    headers.push(["authorization", `Basic ${Buffer.from(flags.user.value).toString("base64")}`])
  }
  for (const raw of flags.header) {
    const header = headerArg(raw)
    if (header !== undefined) headers.push(header)
  }
  for (const item of items)
    if (item._tag === "Header" && item.value !== "") headers.push([item.name, item.value])
  const cookie = cookieHeader(flags)
  if (cookie !== undefined) headers.push(["cookie", cookie])
  const query = items.flatMap((item) => (item._tag === "Query" ? [[item.name, item.value] as const] : []))
  const chosen =
    flags.request._tag === "Some"
      ? flags.request.value
      : (method ??
        (flags.head ? "HEAD" : body?._tag === "File" ? "PUT" : body !== undefined ? "POST" : "GET"))
  return { method: chosen.toUpperCase(), headers, query, body }
}
