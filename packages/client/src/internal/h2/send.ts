/**
 * The HTTP/2 road of an exchange: a slot on a connection of its endpoint
 * (or of the endpoint it is coalesced onto), a stream, the request body,
 * and the response head. Sent once; a refusal comes back as its typed error.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type { Endpoint } from "../../Endpoint.js"
import type { RequestsError } from "../../Errors.js"
import type { Exchange, ExchangeResponse } from "../exchange/exchange.js"
import { acquire, acquireNow } from "./acquire.js"
import { ownRoute, route } from "./coalescing.js"
import type { H2Connection } from "./connection.js"
import type { Restore } from "./dial.js"
import type { H2PoolState } from "./pool-state.js"
import { H2Stream } from "./stream.js"

type Result = Effect.Effect<ExchangeResponse, RequestsError>

const run = (
  state: H2PoolState,
  connection: H2Connection,
  exchange: Exchange,
  coalesced: boolean,
  restore: Restore
): Result => {
  const stream = connection.open(exchange)
  if (stream === undefined) {
    // The connection stopped taking streams since the slot was taken: find another.
    return Effect.flatMap(acquire(state, connection.endpoint, restore), (next) =>
      run(state, next, exchange, coalesced, restore)
    )
  }
  if (!(stream instanceof H2Stream)) return Effect.fail(stream)
  if (state.listening && connection.streamsOpened > 1) {
    state.observer.emit({ _tag: "Reused", endpoint: connection.endpointKey, protocol: "h2" })
  }
  const body = exchange.body
  const answer = stream.awaitAnswer(connection.remoteAddress, coalesced)
  // Full duplex: the head is returned as soon as it arrives while a streamed
  // body keeps flowing from a fiber the stream owns (see `startWriting`).
  const sent =
    body._tag === "Stream" ? Effect.zipRight(stream.startWriting(body.stream, body.length), answer) : answer
  // Cancelling on interruption also covers one that lands after the head
  // arrived but before this region ends, which would strand the stream.
  return Effect.onInterrupt(restore(sent), stream.cancelOnInterrupt)
}

const sendOn = (state: H2PoolState, target: Endpoint, exchange: Exchange, coalesced: boolean): Result =>
  Effect.uninterruptibleMask((restore) => {
    const ready = acquireNow(state, target)
    if (ready !== undefined) return run(state, ready, exchange, coalesced, restore)
    return Effect.flatMap(acquire(state, target, restore), (connection) =>
      run(state, connection, exchange, coalesced, restore)
    )
  })

/**
 * Sends the exchange on a stream.
 *
 * @internal
 */
export const send = (state: H2PoolState, exchange: Exchange): Result => {
  const endpoint = exchange.endpoint
  if (exchange.stall !== undefined) state.round.note(exchange.stall)
  if (state.listening) {
    state.observer.emit({
      _tag: "RequestHeaders",
      endpoint: endpoint.key,
      protocol: "h2",
      method: exchange.method,
      target: exchange.target
    })
  }
  if (ownRoute(state, endpoint)) return sendOn(state, endpoint, exchange, false)
  return Effect.flatMap(route(state, endpoint), (target) =>
    sendOn(state, target, exchange, target !== endpoint)
  )
}
