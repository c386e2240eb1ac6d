import { resourceBody } from "../servers/resources.js"
import type { Origin, Target } from "./types.js"

/**
 * Requests go to the target's origins in turn. With one origin (most scenarios) it is a constant, so the
 * single-origin hot path pays nothing for the multi-origin scenario.
 */
export const rotation = <A>(items: ReadonlyArray<A>): (() => A) => {
  const [first] = items
  if (first === undefined) throw new Error("a target needs at least one origin")
  if (items.length === 1) return () => first
  let index = 0
  return () => {
    const item = items[index] ?? first
    index = (index + 1) % items.length
    return item
  }
}

/** Full URLs of the target's resource, one per origin. */
export const urls = (target: Target): ReadonlyArray<string> =>
  target.origins.map((origin: Origin) => `${origin.origin}${target.path}`)

const bodies = new Map<number, Buffer>()

/**
 * The request body, built once per process: a client started afresh for every iteration must not pay for
 * generating it each time.
 */
export const requestBody = (target: Target): Buffer | undefined => {
  if (target.requestBytes === 0) return undefined
  const cached = bodies.get(target.requestBytes)
  if (cached !== undefined) return cached
  const body = resourceBody({ path: target.path, bytes: target.requestBytes })
  bodies.set(target.requestBytes, body)
  return body
}
