/**
 * Opens TCP and TLS connections as scoped resources.
 *
 * A dialed socket lives in the `Scope` the caller provides: whoever owns that
 * scope owns the socket. That is what lets a pool adopt a socket another step
 * dialed, by taking over the scope instead of dialing again.
 *
 * @internal
 */
import * as dns from "node:dns"
import * as net from "node:net"
import * as tls from "node:tls"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { Endpoint } from "../../Endpoint.js"
import type { ClosedError, ProxyError } from "../../Errors.js"
import { ConnectError, TimeoutError, TlsError } from "../../Errors.js"
import type { Observer } from "../observe/observer.js"
import { DnsCache, type DnsOptions } from "./dns-cache.js"
import { connectTunnel, socksTunnel } from "./proxy-tunnel.js"
import {
  checkPins,
  type Lookup,
  PinMismatch,
  type TlsOptions,
  resolveTlsOptions,
  TlsSessionCache
} from "./tls-options.js"

export type { DnsOptions } from "./dns-cache.js"
export type { Lookup, TlsOptions } from "./tls-options.js"
export { spkiPin, staticLookup } from "./tls-options.js"

/**
 * Why a dial failed.
 *
 * @since 0.1.0
 */
export type DialError = ConnectError | TlsError | TimeoutError | ProxyError | ClosedError

/**
 * What a dial established.
 *
 * @since 0.1.0
 */
export interface Dialed {
  readonly endpoint: Endpoint
  readonly socket: net.Socket
  /** ALPN protocol the server selected, e.g. `h2`; `undefined` for plain TCP or no ALPN. */
  readonly alpnProtocol: string | undefined
  /** e.g. `TLSv1.3`; `undefined` for plain TCP. */
  readonly tlsVersion: string | undefined
  readonly remoteAddress: string | undefined
  readonly remotePort: number | undefined
}

/**
 * Options of the {@link Dialer}.
 *
 * @since 0.1.0
 */
export interface DialerOptions {
  /** Deadline for the TCP connection, DNS included. Default `10 seconds`. */
  readonly connectTimeout?: Duration.DurationInput
  /** Deadline for the TLS handshake once TCP is up. Default `10 seconds`. */
  readonly tlsHandshakeTimeout?: Duration.DurationInput
  /** TLS settings for `https` endpoints. */
  readonly tls?: TlsOptions
  /** Replaces DNS resolution; see {@link staticLookup}. Default: the system resolver. */
  readonly lookup?: Lookup
  /**
   * Happy eyeballs (RFC 8305) across IPv6 and IPv4 addresses: IPv6 first,
   * the next address tried 250 ms after the last one without an answer.
   * Default `true`.
   */
  readonly autoSelectFamily?: boolean
  /** The resolver cache used when no `lookup` is given. */
  readonly dns?: DnsOptions
}

/**
 * Per-dial choices that differ between callers of one dialer.
 *
 * @since 0.1.0
 */
export interface DialRequest {
  /** ALPN protocols to offer, in preference order. Default: the dialer's `tls.alpnProtocols`. */
  readonly alpnProtocols?: ReadonlyArray<string>
}

/**
 * What a dialer does: the service behind the `Dialer` tag.
 *
 * @since 0.1.0
 */
export interface DialerService {
  /**
   * Connects to the endpoint; TLS for `https`. Through the endpoint's proxy
   * or Unix socket when it has one. The socket is destroyed when the given
   * scope closes.
   */
  readonly dial: (endpoint: Endpoint, request?: DialRequest) => Effect.Effect<Dialed, DialError, Scope.Scope>
  /**
   * The addresses the endpoint's host resolves to, with the dialer's
   * `lookup`; an IP literal resolves to itself.
   */
  readonly resolve: (endpoint: Endpoint) => Effect.Effect<ReadonlyArray<string>, ConnectError | TimeoutError>
  /**
   * Whether a verified certificate may speak for `host`: the host name
   * check and the pins. Consulted before a connection is shared with
   * another host. Default: `tls.checkServerIdentity`.
   */
  readonly checkIdentity?: (host: string, certificate: tls.PeerCertificate) => Error | undefined
}

const defaultTimeout = Duration.seconds(10)

/** RFC 8305 §5's recommended Connection Attempt Delay. */
const HAPPY_EYEBALLS_DELAY_MILLIS = 250

/** Fails with a `TimeoutError` of the phase once `millis` have passed on the Clock. */
const deadline = (endpoint: Endpoint, phase: "dns" | "connect" | "tls" | "proxy", millis: number) =>
  Effect.timeoutFail({
    duration: millis,
    onTimeout: () =>
      new TimeoutError({ endpoint: endpoint.key, phase, protocol: undefined, timeoutMillis: millis })
  })

const tlsError = (endpoint: Endpoint, cause: Error): TlsError =>
  cause instanceof PinMismatch
    ? new TlsError({
        endpoint: endpoint.key,
        code: cause.code,
        cause,
        pins: { expected: cause.expected, presented: cause.presented }
      })
    : new TlsError({ endpoint: endpoint.key, code: errnoCode(cause), cause })

const errnoCode = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : undefined

/**
 * Builds the dialer service.
 *
 * @internal
 */
export const make = (
  options: DialerOptions = {},
  /** Where connection events go. */
  observer?: Observer,
  /** The clock the DNS cache reads, in epoch milliseconds. */
  now: () => number = Date.now
): DialerService => {
  const listening = observer?.listener !== undefined
  const connectMillis = Duration.toMillis(options.connectTimeout ?? defaultTimeout)
  const tlsMillis = Duration.toMillis(options.tlsHandshakeTimeout ?? defaultTimeout)
  const autoSelectFamily = options.autoSelectFamily ?? true
  const tlsBase = resolveTlsOptions(options.tls)
  const sessions = new TlsSessionCache()

  const cache =
    options.lookup === undefined && options.dns?.cache !== false ? new DnsCache(now, options.dns) : undefined
  const lookup: Lookup = options.lookup ?? cache?.lookup ?? dns.lookup

  /** The lookup, reporting what it found; node's own "lookup" event fires before a listener can be attached. */
  const reporting =
    (endpoint: Endpoint): Lookup =>
    (hostname, lookupOptions, callback) =>
      lookup(hostname, lookupOptions, (error, address, family) => {
        if (error === null) {
          const addresses = typeof address === "string" ? [address] : address.map((a) => a.address)
          observer!.emit({ _tag: "Dns", endpoint: endpoint.key, host: hostname, addresses })
        }
        callback(error, address, family)
      })

  /** TCP to the endpoint, or to its proxy, or its Unix socket. */
  const connectTcp = (endpoint: Endpoint) =>
    Effect.async<net.Socket, ConnectError>((resume) => {
      const to = endpoint.proxy ?? endpoint
      const socket =
        endpoint.socketPath !== undefined
          ? net.connect({ path: endpoint.socketPath })
          : net.connect({
              host: to.host,
              port: to.port,
              noDelay: true,
              autoSelectFamily,
              autoSelectFamilyAttemptTimeout: HAPPY_EYEBALLS_DELAY_MILLIS,
              lookup: listening ? reporting(endpoint) : lookup
            })
      const onError = (cause: Error) => {
        socket.destroy()
        const code = errnoCode(cause)
        const phase = code === "ENOTFOUND" || code === "EAI_AGAIN" ? "dns" : "connect"
        resume(Effect.fail(new ConnectError({ endpoint: endpoint.key, phase, code, cause })))
      }
      socket.once("error", onError)
      socket.once("connect", () => {
        socket.off("error", onError)
        if (listening) {
          observer!.emit({
            _tag: "Connected",
            endpoint: endpoint.key,
            remoteAddress: socket.remoteAddress,
            remotePort: socket.remotePort
          })
        }
        resume(Effect.succeed(socket))
      })
      // Interrupted (e.g. by the timeout) before the connection completed.
      return Effect.sync(() => socket.destroy())
    }).pipe(deadline(endpoint, "connect", connectMillis))

  /**
   * TLS over `socket` to `host`: the origin, or an `https` proxy when
   * `toProxy`. Pins are checked here rather than in Node's identity hook,
   * which a resumed session skips.
   */
  const handshake = (endpoint: Endpoint, socket: net.Socket, alpn: ReadonlyArray<string>, toProxy: boolean) =>
    Effect.async<tls.TLSSocket, TlsError>((resume) => {
      const host = toProxy ? endpoint.proxy!.host : endpoint.host
      const sessionKey = toProxy ? endpoint.proxy!.key : endpoint.key
      const session = sessions.get(sessionKey)
      const servername = toProxy ? host : (tlsBase.servername ?? host)
      const secure = tls.connect({
        ...tlsBase.connect,
        secureContext: tlsBase.secureContext(),
        socket,
        // SNI must not carry an IP literal (RFC 6066 §3).
        ...(net.isIP(host) === 0 ? { servername } : {}),
        host,
        ...(alpn.length > 0 ? { ALPNProtocols: [...alpn] } : {}),
        ...(session ? { session } : {})
      })
      if (tlsBase.sessionReuse) secure.on("session", (s: Buffer) => sessions.set(sessionKey, s))
      const fail = (cause: Error) => {
        secure.destroy()
        resume(Effect.fail(tlsError(endpoint, cause)))
      }
      const onError = fail
      secure.once("error", onError)
      secure.once("secureConnect", () => {
        secure.off("error", onError)
        const pinned =
          tlsBase.pins.size > 0 ? checkPins(tlsBase.pins, servername, secure.getPeerCertificate()) : undefined
        if (pinned !== undefined) return fail(pinned)
        if (listening) {
          observer!.emit({
            _tag: "TlsHandshake",
            endpoint: endpoint.key,
            alpnProtocol: typeof secure.alpnProtocol === "string" ? secure.alpnProtocol : undefined,
            tlsVersion: secure.getProtocol() ?? undefined,
            resumed: secure.isSessionReused()
          })
        }
        resume(Effect.succeed(secure))
      })
      return Effect.sync(() => secure.destroy())
    }).pipe(deadline(endpoint, "tls", tlsMillis))

  /** Through the endpoint's proxy, to a socket that reaches the origin (or, forwarding, the proxy). */
  const throughProxy = (endpoint: Endpoint, tcp: net.Socket) =>
    Effect.gen(function* () {
      const proxy = endpoint.proxy!
      const started = observer?.now() ?? 0
      let socket: net.Socket = tcp
      let mode: "connect" | "forward" | "socks"
      if (proxy.protocol === "http" || proxy.protocol === "https") {
        if (proxy.protocol === "https") {
          socket = yield* Effect.acquireRelease(
            Effect.interruptible(handshake(endpoint, tcp, ["http/1.1"], true)),
            (s) => Effect.sync(() => s.destroy())
          )
        }
        mode = endpoint.forward === true ? "forward" : "connect"
        if (mode === "connect") socket = yield* connectTunnel(endpoint, proxy, socket)
      } else {
        mode = "socks"
        // socks5 resolves here; socks5h and socks4a leave the name to the proxy.
        const host =
          proxy.protocol === "socks5" && net.isIP(endpoint.host) === 0
            ? (yield* resolve(endpoint))[0]!
            : endpoint.host
        socket = yield* socksTunnel(endpoint, proxy, socket, host)
      }
      if (listening) {
        observer!.emit({
          _tag: "ProxyConnected",
          endpoint: endpoint.key,
          proxy: proxy.key,
          mode,
          elapsedMillis: observer!.now() - started
        })
      }
      return socket
    }).pipe(deadline(endpoint, "proxy", connectMillis))

  const dial = (endpoint: Endpoint, request?: DialRequest) =>
    Effect.gen(function* () {
      // The socket joins the scope before TLS starts, so an interrupted or
      // failed handshake cannot leak the TCP connection.
      // `acquireRelease` shields its acquire from interruption; the deadlines need it interruptible.
      const tcp = yield* Effect.acquireRelease(Effect.interruptible(connectTcp(endpoint)), (s) =>
        Effect.sync(() => s.destroy())
      )
      const socket = endpoint.proxy === undefined ? tcp : yield* throughProxy(endpoint, tcp)
      if (endpoint.scheme === "http") {
        return {
          endpoint,
          socket,
          alpnProtocol: undefined,
          tlsVersion: undefined,
          remoteAddress: tcp.remoteAddress,
          remotePort: tcp.remotePort
        } satisfies Dialed
      }
      const secure = yield* Effect.acquireRelease(
        Effect.interruptible(
          handshake(endpoint, socket, request?.alpnProtocols ?? tlsBase.alpnProtocols, false)
        ),
        (s) => Effect.sync(() => s.destroy())
      )
      return {
        endpoint,
        socket: secure,
        alpnProtocol: typeof secure.alpnProtocol === "string" ? secure.alpnProtocol : undefined,
        tlsVersion: secure.getProtocol() ?? undefined,
        remoteAddress: tcp.remoteAddress,
        remotePort: tcp.remotePort
      } satisfies Dialed
    })

  const resolve = (endpoint: Endpoint): Effect.Effect<ReadonlyArray<string>, ConnectError | TimeoutError> =>
    net.isIP(endpoint.host) !== 0
      ? Effect.succeed([endpoint.host])
      : Effect.async<ReadonlyArray<string>, ConnectError>((resume) => {
          lookup(endpoint.host, { all: true }, (error, addresses) => {
            if (error !== null) {
              const code = errnoCode(error)
              return resume(
                Effect.fail(new ConnectError({ endpoint: endpoint.key, phase: "dns", code, cause: error }))
              )
            }
            const list = typeof addresses === "string" ? [addresses] : addresses.map((a) => a.address)
            if (listening)
              observer!.emit({ _tag: "Dns", endpoint: endpoint.key, host: endpoint.host, addresses: list })
            resume(Effect.succeed(list))
          })
        }).pipe(deadline(endpoint, "dns", connectMillis))

  return { dial, resolve, checkIdentity: tlsBase.identity }
}
