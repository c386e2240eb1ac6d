/**
 * A reservation of a connection for one request that waited for it.
 *
 * A waiting request can be interrupted at any moment, including after the
 * pool handed it a connection and before it wrote anything. The ticket is
 * plain state the pool writes synchronously, so whatever becomes of the
 * fiber, settling the ticket on exit returns an unused connection.
 *
 * @internal
 */
import type { H1Connection } from "./connection.js"

/** @internal */
export class Ticket {
  private connection: H1Connection | undefined = undefined
  private consumed = false

  constructor(private readonly giveBack: (connection: H1Connection) => void) {}

  /** The pool promises this connection to the ticket's request. */
  hold(connection: H1Connection): void {
    connection.reserved++
    this.connection = connection
  }

  /** The request is about to write on the connection: the promise is kept. */
  consume(connection: H1Connection): void {
    if (this.connection === connection && !this.consumed) {
      this.consumed = true
      connection.reserved--
    }
  }

  /** The request is over, one way or another: an unused connection goes back. */
  settle(): void {
    const connection = this.connection
    if (connection !== undefined && !this.consumed) {
      this.consumed = true
      connection.reserved--
      this.giveBack(connection)
    }
  }
}
