/**
 * Adoption as a transfer of ownership: a socket dialed in one scope comes
 * to live in the adopting pool's.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"

/**
 * Moves `adopted` into a new child of `connections`, and returns that child:
 * the adopted scope now closes when the child does, so when the connection
 * ends or the pool closes, and only then. Whoever handed `adopted` over
 * keeps nothing to close; closing a scope twice runs its finalizers once.
 *
 * @internal
 */
export const transferScope = (
  adopted: Scope.CloseableScope,
  connections: Scope.Scope
): Effect.Effect<Scope.CloseableScope> =>
  Effect.flatMap(Scope.fork(connections, ExecutionStrategy.sequential), (child) =>
    Effect.as(Scope.addFinalizer(child, Scope.close(adopted, Exit.void)), child)
  )
