/**
 * The answers `Http2TestServer` parks on `/hold/:key` until a test releases
 * the key, and the keys released for good.
 *
 * @internal
 */
import type * as http2 from "node:http2"

/** @internal */
export class Holds {
  readonly #waiting = new Map<string, Array<() => void>>()
  readonly #released = new Set<string>()
  #all = false

  hold(key: string, answer: () => void, stream: http2.ServerHttp2Stream): void {
    if (this.#all || this.#released.has(key)) return answer()
    let list = this.#waiting.get(key)
    if (list === undefined) {
      list = []
      this.#waiting.set(key, list)
    }
    list.push(answer)
    // A stream reset meanwhile is not answered later.
    stream.once("close", () => {
      const i = list.indexOf(answer)
      if (i >= 0) list.splice(i, 1)
    })
  }

  release(key: string | undefined): void {
    if (key === undefined) this.#all = true
    else this.#released.add(key)
    for (const [k, list] of this.#waiting) {
      if (key !== undefined && k !== key) continue
      this.#waiting.delete(k)
      for (const answer of list) answer()
    }
  }
}
