/**
 * A response body that is all in memory already: what a mock pool answers
 * with.
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { RequestsError } from "../../Errors.js"
import type { ResponseBody } from "./exchange.js"

/** @internal */
export class BufferedBody implements ResponseBody {
  readonly settled = true
  private bytes: Uint8Array | undefined

  constructor(bytes: Uint8Array) {
    this.bytes = bytes
  }

  takeAll(): Uint8Array {
    const bytes = this.bytes ?? new Uint8Array(0)
    this.bytes = undefined
    return bytes
  }

  readonly readAll: Effect.Effect<Uint8Array, RequestsError> = Effect.sync(() => this.takeAll())

  /** Held bytes are already in memory: the limit is checked by the response, on `takeAll`. */
  readAtMost(_limit: number): Effect.Effect<Uint8Array, RequestsError> {
    return this.readAll
  }

  readonly pull: Effect.Effect<Chunk.Chunk<Uint8Array>, Option.Option<RequestsError>> = Effect.suspend(() =>
    this.bytes === undefined ? Effect.fail(Option.none()) : Effect.succeed(Chunk.of(this.takeAll()))
  )

  readonly abandon = (): void => {
    this.bytes = undefined
  }
}
