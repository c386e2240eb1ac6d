/**
 * What the router knows each endpoint speaks: hints in a `Ref`, each
 * trusted for a while and then asked again.
 *
 * @internal
 */
import type * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import type { Endpoint } from "../../Endpoint.js"
import type { Protocol } from "../../Errors.js"

interface Remembered {
  readonly protocol: Protocol
  /** Clock time in ms after which the endpoint is asked again. */
  readonly expiresAt: number
}

/** @internal */
export class Hints {
  private constructor(
    private readonly known: Ref.Ref<ReadonlyMap<string, Remembered>>,
    private readonly clock: Clock.Clock,
    /** How long a hint is trusted, in ms. */
    private readonly ttl: number
  ) {}

  static make(clock: Clock.Clock, ttl: number): Effect.Effect<Hints> {
    return Effect.map(
      Ref.make<ReadonlyMap<string, Remembered>>(new Map()),
      (known) => new Hints(known, clock, ttl)
    )
  }

  remember(endpoint: Endpoint, protocol: Protocol): Effect.Effect<void> {
    return Ref.update(this.known, (hints) =>
      new Map(hints).set(endpoint.key, {
        protocol,
        expiresAt: this.clock.unsafeCurrentTimeMillis() + this.ttl
      })
    )
  }

  forget(endpoint: Endpoint): Effect.Effect<void> {
    return Ref.update(this.known, (hints) => {
      if (!hints.has(endpoint.key)) return hints
      const next = new Map(hints)
      next.delete(endpoint.key)
      return next
    })
  }

  /** The endpoint's hint while it is trusted, else `undefined`. */
  fresh(endpoint: Endpoint): Effect.Effect<Protocol | undefined> {
    return Effect.map(Ref.get(this.known), (hints) => {
      const hint = hints.get(endpoint.key)
      return hint !== undefined && hint.expiresAt > this.clock.unsafeCurrentTimeMillis()
        ? hint.protocol
        : undefined
    })
  }

  /** Every hint known now, by endpoint key. */
  get all(): Effect.Effect<ReadonlyMap<string, Protocol>> {
    return Effect.map(Ref.get(this.known), (map) => {
      const out = new Map<string, Protocol>()
      for (const [key, value] of map) out.set(key, value.protocol)
      return out
    })
  }
}
