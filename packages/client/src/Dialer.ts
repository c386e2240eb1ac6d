/**
 * Opens TCP and TLS connections as scoped resources: the bottom of the
 * client, below both pools and the protocol router.
 *
 * A dialed socket lives in the `Scope` the caller provides: whoever owns that
 * scope owns the socket. That is what lets a pool adopt a socket another step
 * dialed, by taking over the scope instead of dialing again.
 *
 * Replace the layer to put your own transport under the client (a test
 * double, a socket from elsewhere, dials counted or logged); see
 * `examples/src/custom-dialer.ts`.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { CurrentObserver } from "./internal/observe/observer.js"
import * as internal from "./internal/transport/dialer.js"

export type {
  /** @since 0.1.0 */
  Dialed,
  /** @since 0.1.0 */
  DialError,
  /** @since 0.1.0 */
  DialerOptions,
  /** @since 0.1.0 */
  DnsOptions,
  /** @since 0.1.0 */
  DialerService,
  /** @since 0.1.0 */
  DialRequest,
  /** @since 0.1.0 */
  Lookup,
  /** @since 0.1.0 */
  TlsOptions
} from "./internal/transport/dialer.js"

/**
 * A `lookup` that answers from a table, e.g. `{ "a.test": "127.0.0.1" }`,
 * and falls back to the system resolver for other hosts.
 *
 * @since 0.1.0
 */
export const staticLookup = internal.staticLookup

/**
 * The pin of a certificate for `tls.pins`: the base64 SHA-256 of its
 * SubjectPublicKeyInfo.
 *
 * @since 0.1.0
 */
export const spkiPin = internal.spkiPin

/**
 * Opens connections to endpoints.
 *
 * @since 0.1.0
 */
export class Dialer extends Context.Tag("@effect-requests/client/Dialer")<Dialer, internal.DialerService>() {
  /**
   * A dialer with the given options. Its connection events (DNS, connect,
   * TLS handshake) go to the client's event listener.
   *
   * @since 0.1.0
   */
  static readonly layer = (options: internal.DialerOptions = {}): Layer.Layer<Dialer> =>
    Layer.effect(
      Dialer,
      Effect.map(Effect.zip(CurrentObserver, Effect.clock), ([observer, clock]) =>
        internal.make(options, observer, () => clock.unsafeCurrentTimeMillis())
      )
    )
}

/**
 * Builds a dialer outside any layer, e.g. to wrap it in one of your own.
 * It reports no events.
 *
 * @since 0.1.0
 */
export const make = (options: internal.DialerOptions = {}): internal.DialerService => internal.make(options)
