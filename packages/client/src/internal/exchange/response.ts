/**
 * The `HttpClientResponse` handed to users: a response head and a body that
 * is read from the connection on demand.
 *
 * @internal
 */
import * as Cookies from "@effect/platform/Cookies"
import * as Headers from "@effect/platform/Headers"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { LimitExceededError, type Protocol } from "../../Errors.js"
import { RawFields } from "../batteries/raw-header.js"
import { SetCookieHeaders } from "../batteries/set-cookie.js"
import { byDeadline } from "../limits/deadline.js"
import { currentMaxBodySize, noLimits, type ResponseLimits } from "../limits/settings.js"
import type { ResponseBody, ResponseHead } from "./exchange.js"

const utf8 = new TextDecoder()
const identity = (bytes: Uint8Array): Uint8Array => bytes

/** An ArrayBuffer holding exactly the body: views into larger memory are copied out. */
const toArrayBuffer = (bytes: Uint8Array): ArrayBuffer =>
  bytes.byteOffset === 0 &&
  bytes.byteLength === bytes.buffer.byteLength &&
  bytes.buffer instanceof ArrayBuffer
    ? bytes.buffer
    : (bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer)

/**
 * Closes connections whose response object was dropped with its body unread.
 * Registration happens only for bodies still arriving when the head is
 * returned, so small responses pay nothing for it.
 */
const unread = new FinalizationRegistry<ResponseBody>((body) => body.abandon())

/** @internal */
export class ClientResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly status: number
  private cachedHeaders: Headers.Headers | undefined = undefined
  private cachedCookies: Cookies.Cookies | undefined = undefined
  private bytes: Uint8Array | undefined = undefined

  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    private readonly head: ResponseHead,
    private readonly body: ResponseBody,
    private readonly address: string | undefined,
    private readonly protocol: Protocol = "http/1.1",
    /** The layer's `maxBodySize`; `Limits.withMaxBodySize` overrides it per fiber. */
    private readonly limits: ResponseLimits = noLimits,
    /** When the whole-request `timeout` runs out (Clock ms), if there is one. */
    private readonly deadline: number | undefined = undefined,
    /** That `timeout`, in ms, for its error. */
    private readonly timeoutMillis: number | undefined = undefined
  ) {
    super()
    this.status = head.status
    if (!body.settled) unread.register(this, body, body)
  }

  /**
   * The head's headers. `set-cookie` is there joined by `, `, as the
   * platform's other clients and fetch's `Headers` give it; every value
   * apart is in `cookies` and under `SetCookieHeaders`.
   */
  get headers(): Headers.Headers {
    return (this.cachedHeaders ??= Headers.unsafeFromRecord(
      this.head.setCookie.length === 0
        ? this.head.headers
        : { ...this.head.headers, "set-cookie": this.head.setCookie.join(", ") }
    ))
  }

  get cookies(): Cookies.Cookies {
    return (this.cachedCookies ??=
      this.head.setCookie.length === 0 ? Cookies.empty : Cookies.fromSetCookie(this.head.setCookie))
  }

  /** Every `Set-Cookie` value as received, for a cookie jar: `cookies` keeps one cookie per name. */
  get [SetCookieHeaders](): ReadonlyArray<string> {
    return this.head.setCookie
  }

  /** The head's fields as parsed, for the batteries to read one without building `headers`. */
  get [RawFields](): Readonly<Record<string, string>> {
    return this.head.headers
  }

  get remoteAddress(): Option.Option<string> {
    return Option.fromNullable(this.address)
  }

  private decodeError(cause: unknown): HttpClientError.ResponseError {
    return new HttpClientError.ResponseError({
      request: this.request,
      response: this,
      reason: "Decode",
      cause,
      ...(cause instanceof Error ? { description: cause.message } : {})
    })
  }

  /** The whole body, read once and kept, so `text` after `json` still works. */
  private readBytes<A>(f: (bytes: Uint8Array) => A): Effect.Effect<A, HttpClientError.ResponseError> {
    return Effect.withFiberRuntime((fiber) => {
      if (this.bytes !== undefined) return Effect.succeed(f(this.bytes))
      const limit = fiber.getFiberRef(currentMaxBodySize) ?? this.limits.maxBodySize
      const declared = this.body.settled ? undefined : this.head.headers["content-length"]
      if (declared !== undefined && Number(declared) > limit) {
        unread.unregister(this.body)
        this.body.abandon()
        return Effect.fail(this.decodeError(this.tooLarge(limit, `content-length is ${declared}`)))
      }
      // Small bodies usually arrive with the head: no need to suspend for them.
      const arrived = this.body.takeAll()
      if (arrived !== undefined) {
        unread.unregister(this.body)
        if (arrived.byteLength > limit) {
          return Effect.fail(this.decodeError(this.tooLarge(limit, `${arrived.byteLength} bytes received`)))
        }
        return Effect.succeed(f((this.bytes = arrived)))
      }
      const read = this.body.readAtMost(limit)
      const bounded =
        this.deadline === undefined
          ? read
          : byDeadline(read, this.deadline, this.timeoutMillis ?? 0, this.endpoint(), "body")
      return Effect.mapBoth(bounded, {
        onFailure: (cause) => this.decodeError(cause),
        onSuccess: (bytes) => {
          unread.unregister(this.body)
          return f((this.bytes = bytes))
        }
      })
    })
  }

  /** `scheme://host:port` of the request, for errors. */
  private endpoint(): string {
    const url = URL.canParse(this.request.url) ? new URL(this.request.url) : undefined
    const port = url === undefined ? "" : url.port || (url.protocol === "https:" ? "443" : "80")
    return url === undefined ? this.request.url : `${url.protocol}//${url.hostname}:${port}`
  }

  private tooLarge(limit: number, detail: string): LimitExceededError {
    return new LimitExceededError({
      endpoint: this.endpoint(),
      protocol: this.protocol,
      phase: "body",
      limit: "maxBodySize",
      value: limit,
      detail
    })
  }

  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    // V8 refuses strings past about 512 MiB with a RangeError; a limit raised that far must not become a defect.
    return Effect.flatMap(this.readBytes(identity), (bytes) =>
      Effect.try({ try: () => utf8.decode(bytes), catch: (cause) => this.decodeError(cause) })
    )
  }

  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: () => (text === "" ? null : (JSON.parse(text) as unknown)),
        catch: (cause) => this.decodeError(cause)
      })
    )
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return this.readBytes(toArrayBuffer)
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: () => UrlParams.fromInput(new URLSearchParams(text)),
        catch: (cause) => this.decodeError(cause)
      })
    )
  }

  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return Effect.flatMap(this.readBytes(identity), (bytes) =>
      Effect.tryPromise({
        try: () => new Response(bytes, { headers: this.head.headers }).formData(),
        catch: (cause) => this.decodeError(cause)
      })
    )
  }

  /**
   * The body as it arrives, without `maxBodySize`. A whole-request `timeout`
   * covers it too: past the deadline the stream fails with a `TimeoutError`
   * in phase `body` and the connection or stream is given up.
   */
  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return Stream.suspend(() => {
      if (this.bytes !== undefined) return Stream.succeed(this.bytes)
      unread.unregister(this.body)
      const deadline = this.deadline
      const pull =
        deadline === undefined
          ? this.body.pull
          : Effect.mapError(
              byDeadline(this.body.pull, deadline, this.timeoutMillis ?? 0, this.endpoint(), "body"),
              (error) => (Option.isOption(error) ? error : Option.some(error))
            )
      return Stream.repeatEffectChunkOption(
        Effect.mapError(
          pull,
          Option.map((cause) => this.decodeError(cause))
        )
      ).pipe(Stream.ensuring(Effect.sync(() => this.body.abandon())))
    })
  }

  toJSON(): unknown {
    return HttpIncomingMessage.inspect(this, {
      _id: "@effect/platform/HttpClientResponse",
      request: this.request.toJSON(),
      status: this.status
    })
  }
}
