/**
 * How an exchange gets an HTTP/1.1 connection: one at hand (idle, or with
 * pipelining room), else a place in the endpoint's line until a connection
 * is released or dialed for it, within `acquireTimeout`. A request re-sent
 * after a stale connection asks for one that cannot be stale.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type { Endpoint } from "../../Endpoint.js"
import { ClientClosedError, TimeoutError } from "../../Errors.js"
import { watchDeadlines } from "../pool/deadline-watch.js"
import type { H1Connection } from "./connection.js"
import { demand, dialFresh } from "./dial.js"
import type { AcquireError, EndpointPool, Waiter } from "./endpoint-pool.js"
import type { H1PoolState } from "./pool-state.js"
import type { Ticket } from "./ticket.js"

/**
 * A connection the caller may write on at once, without waiting; the caller
 * must write before yielding.
 *
 * @internal
 */
export const tryAcquire = (
  pool: H1PoolState,
  endpoint: Endpoint,
  pipelined: boolean
): H1Connection | undefined => {
  if (!pool.open) return undefined
  const state = pool.endpoints.get(endpoint.key)
  return state === undefined ? undefined : state.pick(pipelined)
}

/** Removes a waiter that gave up from its line. */
const leave = (line: Array<Waiter>, waiter: Waiter) =>
  Effect.sync(() => {
    const i = line.indexOf(waiter)
    if (i >= 0) line.splice(i, 1)
  })

/**
 * Waits for a connection, dialing one if the limits allow; the connection is
 * held for `ticket` until the caller consumes or settles it.
 *
 * @internal
 */
export const acquire = (
  pool: H1PoolState,
  endpoint: Endpoint,
  pipelined: boolean,
  ticket: Ticket
): Effect.Effect<H1Connection, AcquireError> =>
  Effect.suspend((): Effect.Effect<H1Connection, AcquireError> => {
    if (!pool.open) return Effect.fail(new ClientClosedError({ endpoint: endpoint.key }))
    const state = pool.stateOf(endpoint)
    const ready = state.pick(pipelined)
    if (ready !== undefined) {
      ticket.hold(ready)
      return Effect.succeed(ready)
    }
    if (state.userSocket && state.connections.size === 0) return Effect.fail(pool.userSocketGone(state))
    return Effect.async<H1Connection, AcquireError>((resume) => {
      const waiter: Waiter = { pipelined, ticket, resume, deadline: state.now() + pool.config.acquireTimeout }
      state.waiters.push(waiter)
      demand(pool, state)
      if (!state.watching) {
        state.watching = true
        pool.runFork(watchDeadlines(state, () => state.now()))
      }
      return leave(state.waiters, waiter)
    })
  })

/** Waits, ahead of the line, for the next connection dialed or released. */
const awaitServed = (
  pool: H1PoolState,
  state: EndpointPool,
  ticket: Ticket
): Effect.Effect<H1Connection, AcquireError> =>
  Effect.async<H1Connection, AcquireError>((resume) => {
    const waiter: Waiter = { pipelined: false, ticket, resume, deadline: Number.POSITIVE_INFINITY }
    state.retries.push(waiter)
    demand(pool, state)
    return leave(state.retries, waiter)
  })

/**
 * A connection that cannot be stale, for a re-send that must not land on
 * another stale one: newly dialed, or, when the endpoint is at its limit
 * with nothing idle to close, the next one dialed or released, ahead of the
 * line.
 *
 * @internal
 */
export const acquireFresh = (
  pool: H1PoolState,
  endpoint: Endpoint,
  ticket: Ticket
): Effect.Effect<H1Connection, AcquireError> =>
  Effect.suspend((): Effect.Effect<H1Connection, AcquireError> => {
    if (!pool.open) return Effect.fail(new ClientClosedError({ endpoint: endpoint.key }))
    const state = pool.stateOf(endpoint)
    if (state.userSocket) return acquire(pool, endpoint, false, ticket)
    const limit = pool.config.maxConnectionsPerEndpoint
    // Decided in the fiber the timeout runs it in, which counts the dial at once: two requests re-sent
    // together must not both see the room only one of them can take.
    const fresh = Effect.suspend(() => {
      // At the limit, the least recently used idle connection makes room: it is likely as stale as the one that failed.
      if (state.committed >= limit) state.idle.shift()?.destroy()
      return state.committed < limit ? dialFresh(pool, state, ticket) : awaitServed(pool, state, ticket)
    })
    return Effect.timeoutFail(fresh, {
      duration: pool.config.acquireTimeout,
      onTimeout: () =>
        new TimeoutError({
          endpoint: endpoint.key,
          phase: "acquire",
          protocol: "http/1.1",
          timeoutMillis: pool.config.acquireTimeout
        })
    })
  })
