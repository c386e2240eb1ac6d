/**
 * The answer `FaultServer` gives a request it processed, whatever the
 * protocol: by default one that names the request, so a client handing a
 * response to the wrong caller is caught.
 *
 * @internal
 */
import type { FaultRequest, FaultResponse } from "./fault-types.js"
import { slice } from "./pattern.js"

/** Bodies are capped so a `size` parameter cannot make the server allocate without bound. */
const MAX_SIZE = 1024 * 1024

/** @internal */
export interface Encoded {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: Buffer
}

/**
 * `<request id> <method> <request body bytes>\n`, padded with the test
 * pattern to the `size` query parameter (default 64) when that is longer.
 *
 * @internal
 */
export const defaultAnswer = (request: FaultRequest): FaultResponse => {
  const query = request.path.indexOf("?")
  const size = query < 0 ? null : new URLSearchParams(request.path.slice(query + 1)).get("size")
  const wanted = size !== null && /^\d{1,7}$/.test(size) ? Math.min(Number(size), MAX_SIZE) : 64
  const line = `${request.requestId ?? "-"} ${request.method} ${request.bodyLength}\n`
  const head = Buffer.from(line, "utf8")
  return {
    status: 200,
    headers: { "content-type": "text/plain; charset=utf-8" },
    body: head.byteLength >= wanted ? head : Buffer.concat([head, slice(0, wanted - head.byteLength)])
  }
}

/** @internal */
export const encode = (response: FaultResponse): Encoded => ({
  status: response.status ?? 200,
  headers: response.headers ?? {},
  body:
    typeof response.body === "string"
      ? Buffer.from(response.body, "utf8")
      : Buffer.from(response.body.buffer, response.body.byteOffset, response.body.byteLength)
})

/** How much of a `length`-byte body a truncated answer sends: at least one byte when there are two, never all. @internal */
export const cutLength = (length: number, cutAt: number): number =>
  length < 2 ? 0 : 1 + Math.floor(cutAt * (length - 1))
