/**
 * How an exchange gets a stream slot: the fullest connection of its endpoint
 * with a free slot (so streams pack onto few connections), else a dial when
 * the endpoint may have another connection, else a place in the endpoint's
 * queue until a slot frees up, a dial is granted, or `acquireTimeout` passes.
 * Whatever ends the wait, a slot or dial it was granted goes to the next in
 * line.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import type { Endpoint } from "../../Endpoint.js"
import { ClientClosedError, type RequestsError } from "../../Errors.js"
import { watchDeadlines } from "../pool/deadline-watch.js"
import type { H2Connection } from "./connection.js"
import { dial, type Restore } from "./dial.js"
import { needsPingBeforeReuse, ping } from "./health.js"
import type { H2PoolState } from "./pool-state.js"
import { type EndpointQueue, type Grant, Waiter } from "./queue.js"

/**
 * A connection of the endpoint whose slot the caller now holds.
 *
 * @internal
 */
export const acquire = (
  state: H2PoolState,
  endpoint: Endpoint,
  restore: Restore
): Effect.Effect<H2Connection, RequestsError> => {
  if (!state.open) return Effect.fail(new ClientClosedError({ endpoint: endpoint.key }))
  const queue = state.queueFor(endpoint)
  if (!queue.hasWaiters) {
    const connection = queue.pick()
    if (connection !== undefined && connection.takeSlot())
      return granted(state, endpoint, connection, restore)
  }
  return slowAcquire(state, endpoint, queue, restore)
}

/**
 * The common case without an Effect: a connection of the endpoint with a
 * free slot, nobody queued before the caller, and no PING due. The caller
 * then holds its slot; `undefined` (and no slot taken) otherwise.
 *
 * @internal
 */
export const acquireNow = (state: H2PoolState, endpoint: Endpoint): H2Connection | undefined => {
  if (!state.open) return undefined
  const queue = state.queueFor(endpoint)
  if (queue.hasWaiters) return undefined
  const connection = queue.pick()
  if (connection === undefined || connection.draining) return undefined
  // An idle connection silent for long is pinged first: that takes the Effect road.
  const quiet =
    connection.active === 0 && state.now() - connection.lastHeard >= state.options.pingBeforeReuseAfter
  return !quiet && connection.takeSlot() ? connection : undefined
}

/** The caller holds a slot: use it, unless the connection stopped taking streams or must be pinged first. */
const granted = (
  state: H2PoolState,
  endpoint: Endpoint,
  connection: H2Connection,
  restore: Restore
): Effect.Effect<H2Connection, RequestsError> => {
  if (connection.draining) {
    connection.releaseSlot()
    return acquire(state, endpoint, restore)
  }
  if (needsPingBeforeReuse(connection, state.options, state.now())) {
    return pingFirst(state, endpoint, connection, restore)
  }
  return Effect.succeed(connection)
}

const pingFirst = (
  state: H2PoolState,
  endpoint: Endpoint,
  connection: H2Connection,
  restore: Restore
): Effect.Effect<H2Connection, RequestsError> =>
  Effect.flatMap(
    Effect.onInterrupt(restore(ping(connection, state.options.pingTimeout)), connection.releaseOnInterrupt),
    (result) => {
      // Unsent: the PINGs already out carry their own deadlines.
      if (result !== "dead" && !connection.draining) return Effect.succeed(connection)
      connection.releaseSlot()
      return acquire(state, endpoint, restore)
    }
  )

const slowAcquire = (
  state: H2PoolState,
  endpoint: Endpoint,
  queue: EndpointQueue,
  restore: Restore
): Effect.Effect<H2Connection, RequestsError> => {
  if (!queue.hasWaiters && queue.canDial()) {
    queue.dialing++
    return dialFor(state, endpoint, queue, restore)
  }
  return Effect.flatMap(awaitGrant(state, queue, restore), (grant) =>
    grant === "dial" ? dialFor(state, endpoint, queue, restore) : granted(state, endpoint, grant, restore)
  )
}

const awaitGrant = (
  state: H2PoolState,
  queue: EndpointQueue,
  restore: Restore
): Effect.Effect<Grant, RequestsError> => {
  const waiter = new Waiter()
  waiter.deadline = state.now() + state.options.acquireTimeout
  const wait = Effect.async<Grant, RequestsError>((resume) => {
    waiter.resume = resume
    queue.enqueue(waiter)
    queue.dispatch()
  })
  // Forked interruptible: the caller runs uninterruptibly here, and the pool's close must be able to stop it.
  const watched =
    Number.isFinite(state.options.acquireTimeout) && !queue.watching
      ? Effect.zipRight(
          Effect.sync(() => (queue.watching = true)),
          Effect.zipRight(
            Effect.forkIn(Effect.interruptible(watchDeadlines(queue, () => state.now())), state.poolScope),
            wait
          )
        )
      : wait
  return Effect.onExit(restore(watched), (exit) =>
    Effect.sync(() => {
      if (Exit.isSuccess(exit)) return queue.settle(waiter)
      queue.abandon(waiter)
      state.forgetIfEmpty(queue)
    })
  )
}

/**
 * Dials for a caller that counted itself in `queue.dialing`; the new
 * connection's first slot is the caller's.
 *
 * @internal
 */
export const dialCounted = (
  state: H2PoolState,
  endpoint: Endpoint,
  queue: EndpointQueue,
  restore: Restore
): Effect.Effect<H2Connection, RequestsError> =>
  Effect.onExit(dial(state, endpoint, restore), (exit) =>
    Effect.sync(() => {
      queue.dialing--
      if (Exit.isFailure(exit) && queue.connections.length === 0 && queue.dialing === 0) {
        const failure = Cause.failureOption(exit.cause)
        // The requests queued behind this dial would only repeat it.
        if (Option.isSome(failure)) queue.failAll(failure.value)
        else queue.dispatch()
      } else if (queue.hasWaiters) {
        queue.dispatch()
      }
      state.forgetIfEmpty(queue)
    })
  )

const dialFor = (
  state: H2PoolState,
  endpoint: Endpoint,
  queue: EndpointQueue,
  restore: Restore
): Effect.Effect<H2Connection, RequestsError> =>
  Effect.flatMap(dialCounted(state, endpoint, queue, restore), (connection) =>
    granted(state, endpoint, connection, restore)
  )
