/**
 * Which fault, if any, `FaultServer` injects into a request, drawn from a
 * seeded PRNG.
 *
 * Each arrival gets a generator of its own, seeded from the server's seed
 * and the request's key (its `x-request-id` and how often that id arrived
 * before), so a decision depends on the request and not on how concurrent
 * arrivals happened to interleave: one seed replays the same faults for the
 * same requests. A request without an id is keyed by its arrival index, the
 * one place where ordering still matters.
 *
 * @internal
 */
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64"
import { uniformInt } from "pure-rand/distribution/uniformInt"
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus"
import type { Decision, FaultKind, FaultRates, Protocol } from "./fault-types.js"

/** Every kind, in the order probabilities are laid end to end on [0, 1). @internal */
export const faultKinds: ReadonlyArray<FaultKind> = [
  "closeAfterResponse",
  "closeWhenIdle",
  "goaway",
  "refuseStream",
  "resetStream",
  "stall",
  "truncateBody",
  "delayHeaders",
  "cancelBody",
  "interimFlood",
  "earlyResponse"
]

const applicable: Readonly<Record<Protocol, ReadonlySet<FaultKind>>> = {
  "http/1.1": new Set([
    "closeAfterResponse",
    "closeWhenIdle",
    "truncateBody",
    "delayHeaders",
    "interimFlood",
    "earlyResponse"
  ]),
  h2: new Set([
    "goaway",
    "refuseStream",
    "resetStream",
    "stall",
    "truncateBody",
    "delayHeaders",
    "cancelBody",
    "interimFlood",
    "earlyResponse"
  ])
}

/** FNV-1a over UTF-16 code units: a stable 32-bit digest of the key. */
const digest = (text: string): number => {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash | 0
}

/** @internal */
export class FaultPlan {
  readonly decisions: Array<Decision> = []
  readonly #byId = new Map<string, Array<Decision>>()

  constructor(
    readonly seed: number,
    private readonly rates: FaultRates,
    private readonly maxDelayMillis: number
  ) {
    for (const protocol of ["http/1.1", "h2"] as const) {
      let total = 0
      for (const kind of applicable[protocol]) total += rates[kind]
      if (total > 1) throw new RangeError(`fault probabilities for ${protocol} add up to ${total}, over 1`)
    }
    for (const kind of faultKinds) {
      const rate = rates[kind]
      if (!(rate >= 0 && rate <= 1))
        throw new RangeError(`probability of ${kind} must be in [0, 1], got ${rate}`)
    }
  }

  /** Draws the fault for an arrival and records the decision. */
  decide(requestId: string | undefined, protocol: Protocol): Decision {
    const index = this.decisions.length
    const previous = requestId === undefined ? undefined : this.#byId.get(requestId)
    const attempt = previous?.length ?? 0
    const key = requestId === undefined ? `#${index}` : `${requestId}#${attempt}`
    const rng = xoroshiro128plus(this.seed ^ digest(key))
    const u = uniformFloat64(rng)
    let fault: FaultKind | undefined = undefined
    let bound = 0
    for (const kind of faultKinds) {
      if (!applicable[protocol].has(kind)) continue
      bound += this.rates[kind]
      if (u < bound) {
        fault = kind
        break
      }
    }
    const decision: Decision = {
      index,
      requestId,
      attempt,
      protocol,
      fault,
      delayMillis:
        fault === "delayHeaders" || fault === "closeWhenIdle" ? uniformInt(rng, 1, this.maxDelayMillis) : 0,
      cutAt:
        fault === "truncateBody" || fault === "cancelBody" || fault === "earlyResponse"
          ? uniformFloat64(rng)
          : 0
    }
    this.decisions.push(decision)
    if (requestId !== undefined) {
      if (previous === undefined) this.#byId.set(requestId, [decision])
      else previous.push(decision)
    }
    return decision
  }

  decisionsFor(requestId: string): ReadonlyArray<Decision> {
    return this.#byId.get(requestId) ?? []
  }
}
