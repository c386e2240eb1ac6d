/**
 * One HTTP/2 connection: a node session over a socket our dialer opened, the
 * semaphore of stream slots the server's SETTINGS allow, and the exchanges
 * in flight.
 *
 * Slots are the permits of `slots`: one before the server's first SETTINGS
 * (the stream RFC 9113 lets a client open before it knows the limit), then
 * SETTINGS_MAX_CONCURRENT_STREAMS, resized whenever the server changes it.
 * A permit is taken when the pool gives the connection to an exchange and
 * given back when its stream ends, or when it was never used.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import type { Endpoint } from "../../Endpoint.js"
import { ClientClosedError, ClosedError, type RequestsError } from "../../Errors.js"
import type { Dialed } from "../transport/dialer.js"
import { NO_ERROR } from "./codes.js"
import { NodeSession } from "./engine/node-session.js"
import { OwnSession } from "./engine/own-session.js"
import type { SessionEvents, SessionIo } from "./engine/session-io.js"
import { buildHeaders } from "./headers.js"
import type { ResolvedH2Options } from "./options.js"
import type { Exchange } from "../exchange/exchange.js"
import { SlotSemaphore } from "../pool/slot-semaphore.js"
import type { H2Counters } from "./stats.js"
import { H2Stream } from "./stream.js"
import type { StreamHost } from "./stream-host.js"

/** Stream ids are 31 bits; past this one a connection stops taking streams. */
const LAST_USABLE_STREAM_ID = 0x7fff_0000
/** Upper bound on slots: SETTINGS_MAX_CONCURRENT_STREAMS is 32 bits, "unlimited" when absent. */
const MAX_SLOTS = 0x7fff_ffff

/** What a connection tells the pool that owns it. */
export interface ConnectionOwner {
  readonly options: ResolvedH2Options
  readonly counters: H2Counters
  /** Time on the pool's clock, in milliseconds. */
  now(): number
  /** Slots came free, SETTINGS changed the limit, or the connection stopped taking streams. */
  capacityChanged(connection: H2Connection): void
  /** The connection is gone; the owner drops it and closes its scope. */
  closed(connection: H2Connection): void
}

/** @internal */
export class H2Connection implements StreamHost, SessionEvents {
  readonly endpointKey: string
  /** Interim (1xx) responses a stream accepts before its final one. */
  readonly maxInterimResponses: number
  /** Largest response header list a stream accepts, as HTTP/2 counts it. */
  readonly maxHeaderListSize: number
  /** The engine speaking HTTP/2 on the socket. */
  readonly session: SessionIo
  /** Told of the origins an ORIGIN frame lists (coalescing listens). */
  onOrigins: ((origins: ReadonlyArray<string>) => void) | undefined = undefined
  readonly remoteAddress: string | undefined
  /** Stream slots; one until the first SETTINGS, then the server's limit. */
  readonly slots = new SlotSemaphore(1)
  settingsReceived = false
  /** Takes no new stream: GOAWAY either way, flushed, or idle too long. */
  draining = false
  /** The session is gone and every exchange on it settled. */
  closed = false
  goawayLastStreamId = Infinity
  goawayCode = NO_ERROR
  heard = false
  lastHeard: number
  idleSince: number
  streamsOpened = 0
  /** Completes with the first SETTINGS, fails if the connection dies first. */
  readonly settings: Deferred.Deferred<void, RequestsError> = Deferred.unsafeMake(FiberId.none)
  /** Completes when the server acknowledged our SETTINGS, fails if the connection dies first. */
  readonly settingsAck: Deferred.Deferred<void, RequestsError> = Deferred.unsafeMake(FiberId.none)
  private readonly inflight = new Set<H2Stream>()
  private lastError: unknown = undefined
  /** Set when the connection died before its first SETTINGS: what requests waiting for it get. */
  startupFailure: RequestsError | undefined = undefined
  /** Gives back a slot that was taken (for `Effect.onInterrupt`). */
  readonly releaseOnInterrupt = (): Effect.Effect<void> => this.releaseEffect
  private readonly releaseEffect = Effect.sync(() => this.releaseSlot())

  constructor(
    readonly endpoint: Endpoint,
    dialed: Dialed,
    private readonly owner: ConnectionOwner
  ) {
    const options = owner.options
    this.endpointKey = endpoint.key
    this.maxInterimResponses = options.maxInterimResponses
    this.maxHeaderListSize = options.maxHeaderListSize
    this.remoteAddress = dialed.remoteAddress
    this.lastHeard = this.idleSince = owner.now()
    this.session =
      options.engine === "node"
        ? new NodeSession(endpoint, dialed.socket, options, this)
        : new OwnSession(dialed.socket, options, this)
  }

  get counters(): H2Counters {
    return this.owner.counters
  }

  get sessionGone(): boolean {
    return this.closed || this.session.gone
  }

  now(): number {
    return this.owner.now()
  }

  markHeard(): void {
    this.lastHeard = this.owner.now()
  }

  // --- slots ------------------------------------------------------------------

  /** Slots taken: streams open, and slots given to exchanges about to open one. */
  get active(): number {
    return this.slots.taken
  }

  /** Slots the server allows now. */
  get limit(): number {
    return this.slots.permits
  }

  /** Whether an exchange could take a slot now. */
  get available(): boolean {
    return this.slots.free > 0 && !this.draining
  }

  /** Takes a slot for an exchange about to open a stream; `false` when none is free. */
  takeSlot(): boolean {
    return this.slots.tryTake(1)
  }

  /** Gives back a slot that was taken but never used by a stream. */
  releaseSlot(): void {
    this.slots.unsafeRelease(1)
    this.capacityFreed()
  }

  /** Cancels the streams that stalled past `headersTimeout` or `bodyTimeout`. */
  checkStalls(now: number): void {
    const { headersTimeout, bodyTimeout } = this.owner.options
    for (const stream of this.inflight) stream.checkStall(now, headersTimeout, bodyTimeout)
  }

  streamEnded(stream: H2Stream): void {
    this.inflight.delete(stream)
    this.slots.unsafeRelease(1)
    this.capacityFreed()
  }

  private capacityFreed(): void {
    if (this.slots.taken === 0) this.idleSince = this.owner.now()
    if (!this.draining) this.owner.capacityChanged(this)
  }

  // --- streams ----------------------------------------------------------------

  /**
   * Opens a stream for the request on a slot this caller holds. Returns
   * `undefined` when the connection stopped taking streams since the slot was
   * taken (the slot is then given back), or the reason the request cannot be
   * sent.
   */
  open(request: Exchange): H2Stream | RequestsError | undefined {
    if (this.draining) {
      this.releaseSlot()
      return undefined
    }
    const body = request.body
    const headers = buildHeaders(
      this.endpoint.scheme,
      request.method,
      request.target,
      // A coalesced request keeps its own origin's authority on a connection opened for another.
      request.endpoint.authority,
      request.headers,
      body
    )
    if (headers instanceof Error) {
      this.releaseSlot()
      return headers
    }
    const exchange = new H2Stream(
      this,
      this.owner.options.highWaterMark,
      this.streamsOpened > 0,
      request.method === "HEAD",
      request.stall
    )
    const io = this.session.open(headers, body._tag === "Empty", exchange)
    if ("_tag" in io && (io._tag === "Refused" || io._tag === "InvalidRequestError")) {
      this.releaseSlot()
      if (io._tag === "InvalidRequestError") return io
      if (!io.retire) return undefined
      this.stopTaking()
      return new ClosedError({
        endpoint: this.endpointKey,
        protocol: "h2",
        phase: "request",
        reused: this.streamsOpened > 0,
        responseStarted: false,
        cause: io.cause
      })
    }
    this.streamsOpened++
    this.owner.counters.totalStreams++
    this.inflight.add(exchange)
    exchange.attach(io)
    if (exchange.id > LAST_USABLE_STREAM_ID) this.stopTaking()
    if (body._tag === "Bytes") io.end(body.bytes)
    return exchange
  }

  // --- session events (SessionEvents) ------------------------------------------------

  remoteSettings(maxConcurrentStreams: number): void {
    this.markHeard()
    const limit = Math.min(maxConcurrentStreams, MAX_SLOTS)
    if (limit !== this.slots.permits) this.slots.unsafeResize(limit)
    if (!this.settingsReceived) {
      this.settingsReceived = true
      Deferred.unsafeDone(this.settings, Exit.void)
    }
    if (!this.draining) this.owner.capacityChanged(this)
  }

  goaway(code: number, lastStreamId: number): void {
    this.markHeard()
    // Servers often send several (a graceful one, then the final one): count connections told to go.
    if (this.goawayLastStreamId === Infinity) this.owner.counters.goaways++
    // A later graceful GOAWAY does not take back the error an earlier one gave.
    if (code !== NO_ERROR) this.goawayCode = code
    this.goawayLastStreamId = Math.min(this.goawayLastStreamId, lastStreamId)
    this.stopTaking()
  }

  settingsAcknowledged(): void {
    this.markHeard()
    Deferred.unsafeDone(this.settingsAck, Exit.void)
  }

  origins(origins: ReadonlyArray<string>): void {
    this.onOrigins?.(origins)
  }

  error(error: unknown): void {
    this.lastError = error
  }

  protocolFailure(error: RequestsError): void {
    this.terminate(error, undefined)
  }

  sessionClosed(): void {
    this.sessionLost()
  }

  // --- ending ---------------------------------------------------------------------

  /** Takes no new stream from now on; the pool stops choosing it. */
  stopTaking(): void {
    if (this.draining) return
    this.draining = true
    this.owner.capacityChanged(this)
  }

  /**
   * Graceful close: GOAWAY goes out, streams in flight complete, and node
   * closes the session after the last one.
   */
  drain(): void {
    this.stopTaking()
    this.session.close()
  }

  sessionLost(cause?: unknown): void {
    this.terminate(undefined, this.lastError ?? cause)
  }

  /**
   * Ends the connection now: every exchange in flight fails at once, with
   * `error` or else a `ClosedError` whose cause is `cause`.
   */
  terminate(error: RequestsError | undefined, cause: unknown): void {
    if (this.closed) return
    this.closed = true
    this.draining = true
    for (const stream of this.inflight) {
      if (error !== undefined) stream.fail(error)
      // The server said why it was going: what it left unfinished ends for that reason.
      else if (this.goawayCode !== NO_ERROR) stream.failGoAway()
      else stream.failClosed(cause)
    }
    // Whoever waits for the acknowledgement stops waiting.
    Deferred.unsafeDone(this.settingsAck, Exit.fail(new ClientClosedError({ endpoint: this.endpointKey })))
    if (!this.settingsReceived) {
      const startup =
        error ??
        new ClosedError({
          endpoint: this.endpointKey,
          protocol: "h2",
          phase: "settings",
          reused: false,
          responseStarted: false,
          cause
        })
      this.startupFailure = startup
      Deferred.unsafeDone(this.settings, Exit.fail(startup))
    }
    this.session.destroy()
    this.owner.closed(this)
  }
}
