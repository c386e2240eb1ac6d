/**
 * The timers `FaultServer` arms to delay answers and closes: each is tied
 * to the socket or stream it acts on and cleared when that closes, and all
 * are cleared with the server, so none outlives what it was for.
 *
 * @internal
 */

interface Closable {
  once(event: "close", listener: () => void): unknown
  off(event: "close", listener: () => void): unknown
}

/** @internal */
export class FaultTimers {
  readonly #pending = new Set<NodeJS.Timeout>()

  /** Runs `f` after `millis`, unless `owner` closes first. */
  after(millis: number, owner: Closable, f: () => void): void {
    const cancel = () => {
      clearTimeout(handle)
      this.#pending.delete(handle)
    }
    const handle = setTimeout(() => {
      this.#pending.delete(handle)
      owner.off("close", cancel)
      f()
    }, millis)
    this.#pending.add(handle)
    owner.once("close", cancel)
  }

  clear(): void {
    for (const handle of this.#pending) clearTimeout(handle)
    this.#pending.clear()
  }
}
