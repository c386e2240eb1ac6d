/**
 * A transport of your own under the client: a `Dialer` that sends chosen
 * `host:port`s to other addresses, as curl's `--connect-to` does, and logs
 * every dial. The pools, the protocol router and everything above them are
 * the client's own; only the bottom layer is replaced.
 */
import { Dialer, H1Pool, H2ConnectionPool, ProtocolRouter, Requests } from "@effect-requests/client"
import { Effect, Layer } from "effect"

/** `"host:port"` as requested, to `"host:port"` to connect to. */
export type ConnectTo = Readonly<Record<string, string>>

/** Wraps the standard dialer: looks each endpoint up in `table` first, and logs the dial. */
export const connectTo = (table: ConnectTo, log: Array<string>): Layer.Layer<Dialer.Dialer> =>
  Layer.effect(
    Dialer.Dialer,
    Effect.map(Dialer.Dialer, (standard) => ({
      ...standard,
      dial: (endpoint, request) => {
        const target = table[`${endpoint.host}:${endpoint.port}`]
        log.push(`dial ${endpoint.key}${target === undefined ? "" : ` via ${target}`}`)
        if (target === undefined) return standard.dial(endpoint, request)
        const [host, port] = target.split(":")
        // The endpoint keeps its name for TLS (SNI, certificate checks) and the Host header.
        return standard.dial({ ...endpoint, host: host!, port: Number(port) }, request)
      }
    }))
  ).pipe(Layer.provide(Dialer.Dialer.layer()))

/** The whole client over that dialer. */
export const clientVia = (table: ConnectTo, log: Array<string>) =>
  Requests.layerWithoutPools().pipe(
    Layer.provide(ProtocolRouter.ProtocolRouter.layer()),
    Layer.provideMerge(Layer.merge(H1Pool.H1Pool.layer(), H2ConnectionPool.H2ConnectionPool.layer())),
    Layer.provide(connectTo(table, log))
  )
