import { Requests } from "@effect-requests/client"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { UnexpectedResponse } from "./types.js"

export type Negotiated = "http/1.1" | "h2"

/**
 * Where the server offers both protocols it answers either, so only the client's own pools show which one
 * carried the requests: the figures of a client that quietly fell back must not pass for the other protocol.
 */
export const expectProtocol = (
  expected: Negotiated
): Effect.Effect<void, UnexpectedResponse, Requests.Requests> =>
  Effect.flatMap(
    Effect.flatMap(Requests.Requests, (requests) => requests.stats),
    (stats) => {
      const h1 = stats.h1.created
      const h2 = Option.match(stats.h2, { onNone: () => 0, onSome: (figures) => figures.connections })
      const used = `${h1} HTTP/1.1 and ${h2} HTTP/2 connections`
      const ok = expected === "h2" ? h1 === 0 && h2 > 0 : h1 > 0 && h2 === 0
      return ok
        ? Effect.void
        : Effect.fail(new UnexpectedResponse(`expected ${expected} only, the client used ${used}`))
    }
  )
