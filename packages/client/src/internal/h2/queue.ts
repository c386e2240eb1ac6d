/**
 * The connections of one endpoint and the requests waiting for a slot on
 * them, first come first served.
 *
 * A waiter is granted either a connection with a slot already taken for it
 * (a permit of the connection's semaphore), or the right to dial a new
 * connection. One queue per endpoint rather than a wait on one semaphore,
 * because a waiter can be served by any of the endpoint's connections, or
 * by one not dialed yet. Grants happen synchronously
 * from socket events, so a slot that comes free goes to the longest waiter
 * and cannot be taken by a request that arrived later.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type { RequestsError } from "../../Errors.js"
import type { DeadlineLine } from "../pool/deadline-watch.js"
import type { H2Connection } from "./connection.js"

/** What a waiter was given: a connection whose slot it holds, or leave to dial. */
export type Grant = H2Connection | "dial"

const WAITING = 0
const GRANTED = 1
const DONE = 2

/** @internal */
export class Waiter {
  state: 0 | 1 | 2 = WAITING
  grant: Grant | undefined = undefined
  resume: ((effect: Effect.Effect<Grant, RequestsError>) => void) | undefined = undefined
  /** Clock time in ms past which the waiter gives up. */
  deadline = Number.POSITIVE_INFINITY
  prev: Waiter | undefined = undefined
  next: Waiter | undefined = undefined
}

/** @internal */
export class EndpointQueue implements DeadlineLine {
  /** Connections taking new streams. Draining ones leave this list at once. */
  readonly connections: Array<H2Connection> = []
  /** Dials in progress, granted or not. */
  dialing = 0
  /** Whether a fiber is watching the waiters' deadlines. */
  watching = false
  private head: Waiter | undefined = undefined
  private tail: Waiter | undefined = undefined

  constructor(
    readonly key: string,
    private readonly maxConnections: number,
    /** What a waiter whose deadline passed fails with. */
    private readonly expired: () => RequestsError
  ) {}

  get hasWaiters(): boolean {
    return this.head !== undefined
  }

  get isEmpty(): boolean {
    return this.head === undefined && this.connections.length === 0 && this.dialing === 0
  }

  /** The fullest connection that still has a free slot, so streams pack onto few connections. */
  pick(): H2Connection | undefined {
    const connections = this.connections
    let best: H2Connection | undefined = undefined
    for (let i = 0; i < connections.length; i++) {
      const c = connections[i]!
      if (c.available && (best === undefined || c.active > best.active)) best = c
    }
    return best
  }

  /**
   * Whether a new connection may be dialed: under the limit, and no dial or
   * fresh connection whose SETTINGS are still unknown, since its capacity
   * may be all the queue needs.
   */
  canDial(): boolean {
    if (this.dialing > 0 || this.connections.length >= this.maxConnections) return false
    for (const c of this.connections) if (!c.settingsReceived) return false
    return true
  }

  enqueue(waiter: Waiter): void {
    waiter.prev = this.tail
    if (this.tail === undefined) this.head = waiter
    else this.tail.next = waiter
    this.tail = waiter
  }

  private unlink(waiter: Waiter): void {
    if (waiter.prev === undefined) this.head = waiter.next
    else waiter.prev.next = waiter.next
    if (waiter.next === undefined) this.tail = waiter.prev
    else waiter.next.prev = waiter.prev
    waiter.prev = waiter.next = undefined
  }

  private grant(waiter: Waiter, grant: Grant): void {
    this.unlink(waiter)
    waiter.state = GRANTED
    waiter.grant = grant
    waiter.resume?.(Effect.succeed(grant))
  }

  /** Hands free slots, then leave to dial, to waiters in arrival order. */
  dispatch(): void {
    while (this.head !== undefined) {
      const connection = this.pick()
      if (connection !== undefined && connection.takeSlot()) {
        this.grant(this.head, connection)
        continue
      }
      if (this.canDial()) {
        this.dialing++
        this.grant(this.head, "dial")
        continue
      }
      return
    }
  }

  /**
   * A waiter's fiber ended without using its grant (timeout, interruption):
   * a reservation or a dial it was given goes to the next waiter.
   */
  abandon(waiter: Waiter): void {
    if (waiter.state === WAITING) {
      this.unlink(waiter)
    } else if (waiter.state === GRANTED) {
      const grant = waiter.grant
      if (grant === "dial") {
        this.dialing--
        this.dispatch()
      } else if (grant !== undefined) {
        // Hands the slot on through the connection, which dispatches again.
        grant.releaseSlot()
      }
    }
    waiter.state = DONE
    waiter.grant = undefined
  }

  /** The waiter's fiber now owns its grant. */
  settle(waiter: Waiter): void {
    waiter.state = DONE
    waiter.grant = undefined
  }

  /** The deadline of the longest waiter: every waiter waits as long, so it expires first. */
  oldestDeadline(): number | undefined {
    return this.head?.deadline
  }

  /** Fails the longest waiter, whose deadline passed. */
  expireOldest(): void {
    const waiter = this.head
    if (waiter === undefined) return
    this.unlink(waiter)
    waiter.state = DONE
    waiter.resume?.(Effect.fail(this.expired()))
  }

  /** Fails every waiter, e.g. when the only connection died before its SETTINGS. */
  failAll(error: RequestsError): void {
    let waiter = this.head
    this.head = this.tail = undefined
    while (waiter !== undefined) {
      const next = waiter.next
      waiter.prev = waiter.next = undefined
      waiter.state = DONE
      waiter.resume?.(Effect.fail(error))
      waiter = next
    }
  }

  remove(connection: H2Connection): void {
    const i = this.connections.indexOf(connection)
    if (i >= 0) this.connections.splice(i, 1)
  }
}
