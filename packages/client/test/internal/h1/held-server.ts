/**
 * A scripted server for the HTTP/1.1 pool's tests, and the requests they
 * send it: the server records on which connection each request arrives, and
 * answers it (or drops its connection) only when the test says so, in order
 * on each connection. A test thus knows, before any answer, where the pool
 * put every request, and decides which connection frees up when.
 */
import * as net from "node:net"
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { type H1Pool, Requests } from "@effect-requests/client"
import { RawServer, Wait } from "@effect-requests/testing"
import { Deferred, Effect, FiberId, Queue } from "effect"
import { eventLoopTurn } from "../../helpers.js"

/** A request as the server saw it: its `x-request-id`, and the index of the connection it came on. */
export interface Arrival {
  readonly id: string
  readonly connection: number
}

type Decision = "answer" | "drop"

/** How {@link heldServer} is reached. */
export interface HeldServerOptions {
  /**
   * Be a SOCKS5 proxy too: each connection starts with the handshake, whose
   * answer to CONNECT waits until the test opens that dial, then carries
   * the HTTP requests itself. A test can so hold a dial under way.
   */
  readonly socks?: boolean
}

const makeHeldServer = (options: HeldServerOptions) =>
  Effect.gen(function* () {
    const seen: Array<Arrival> = []
    let dropping = false
    let dials = 0
    const opened = new Map<number, Deferred.Deferred<void>>()
    const dial = (connection: number) => {
      let deferred = opened.get(connection)
      if (deferred === undefined) {
        deferred = Deferred.unsafeMake<void>(FiberId.none)
        opened.set(connection, deferred)
      }
      return deferred
    }
    // A decision is used once: a request sent again waits for a decision of its own.
    const decisions = new Map<string, Deferred.Deferred<Decision>>()
    const decision = (id: string) => {
      let deferred = decisions.get(id)
      if (deferred === undefined) {
        deferred = Deferred.unsafeMake<Decision>(FiberId.none)
        decisions.set(id, deferred)
      }
      return deferred
    }
    const server = yield* RawServer.make((conn, connection) =>
      Effect.gen(function* () {
        if (options.socks === true) {
          // Greeting (version, method count, methods): no authentication.
          const greeting = yield* conn.readBytes(2)
          yield* conn.readBytes(greeting[1] ?? 0)
          yield* conn.write(Uint8Array.from([5, 0]))
          // CONNECT: version, command, reserved, address type, address, port.
          const request = yield* conn.readBytes(4)
          const type = request[3]
          const length = type === 1 ? 4 : type === 4 ? 16 : ((yield* conn.readBytes(1))[0] ?? 0)
          yield* conn.readBytes(length + 2)
          dials++
          if (!dropping) yield* Deferred.await(dial(connection))
          yield* conn.write(Uint8Array.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 80]))
        }
        const arrived = yield* Queue.unbounded<string>()
        yield* Effect.fork(
          Effect.forever(
            Effect.flatMap(conn.readRequest, (request) => {
              const id = request.headers["x-request-id"] ?? ""
              seen.push({ id, connection })
              return Queue.offer(arrived, id)
            })
          )
        )
        const answering = Effect.gen(function* () {
          for (;;) {
            const id = yield* Queue.take(arrived)
            const what = dropping ? "drop" : yield* Deferred.await(decision(id))
            decisions.delete(id)
            if (what === "drop") return yield* conn.destroy
            yield* conn.write(RawServer.response(200, {}, id))
          }
        })
        // The server's side closes as soon as the client's does.
        yield* Effect.raceFirst(answering, conn.closed)
      })
    )
    return {
      server,
      url: `${server.url}/`,
      seen,
      /** Connections the request arrived on, in order (more than one when it was sent again). */
      on: (id: string) => seen.filter((a) => a.id === id).map((a) => a.connection),
      /** Waits until the server has seen `n` requests in total. */
      awaitSeen: (n: number) =>
        Wait.within(
          Effect.gen(function* () {
            while (seen.length < n) yield* eventLoopTurn
          }),
          { helper: "awaitSeen", unit: "request", target: n, seen: () => seen.length }
        ),
      /** Lets the server answer the request when its turn comes on its connection. */
      answer: (id: string) => Deferred.succeed(decision(id), "answer"),
      /** Lets the server close the request's connection, unanswered, when its turn comes. */
      drop: (id: string) => Deferred.succeed(decision(id), "drop"),
      /** Waits until `n` dials have asked the proxy for a connection. */
      awaitDials: (n: number) =>
        Wait.within(
          Effect.gen(function* () {
            while (dials < n) yield* eventLoopTurn
          }),
          { helper: "awaitDials", unit: "dial", target: n, seen: () => dials }
        ),
      /** Lets the proxy answer the dial of the connection with that index. */
      openDial: (connection: number) => Deferred.succeed(dial(connection), undefined),
      /** Drops every connection, holding or not, now and from now on, and opens every dial. */
      dropAll: Effect.suspend(() => {
        dropping = true
        return Effect.zipRight(
          Effect.forEach(decisions.values(), (d) => Deferred.succeed(d, "drop"), { discard: true }),
          Effect.forEach(opened.values(), (d) => Deferred.succeed(d, undefined), { discard: true })
        )
      })
    }
  })

/** The server {@link heldServer} hands its test. */
export type HeldServer = Effect.Effect.Success<ReturnType<typeof makeHeldServer>>

/**
 * Runs `test` against a held server. Whatever becomes of the test, every
 * connection is dropped when it ends, so that the client's layer, provided
 * around this, does not wait on requests still held when it closes.
 */
export const heldServer = <A, E, R>(
  test: (server: HeldServer) => Effect.Effect<A, E, R>,
  options: HeldServerOptions = {}
) => Effect.flatMap(makeHeldServer(options), (server) => Effect.ensuring(test(server), server.dropAll))

/** A socket connected to the server, to hand to the client in `h1.sockets`; closed with the scope. */
export const connect = (port: number) =>
  Effect.acquireRelease(
    Effect.async<net.Socket>((resume) => {
      const socket = net.connect(port, "127.0.0.1", () => resume(Effect.succeed(socket)))
    }),
    (socket) => Effect.sync(() => socket.destroy())
  )

/** A GET carrying `id`, answered with its body. */
export const get = (url: string, id: string) =>
  HttpClient.execute(HttpClientRequest.get(url).pipe(HttpClientRequest.setHeader("x-request-id", id))).pipe(
    Effect.flatMap((r) => r.text)
  )

/** A POST carrying `id`: never pipelined, nor sent again, unless the pool is told to. */
export const post = (url: string, id: string) =>
  HttpClient.execute(
    HttpClientRequest.post(url).pipe(
      HttpClientRequest.setHeader("x-request-id", id),
      HttpClientRequest.bodyText(id)
    )
  ).pipe(Effect.flatMap((r) => r.text))

/**
 * Two connections to the held server: the first carries h1 and h2 pipelined
 * behind an answered w, both still unanswered; the second was dialed for the
 * POST p (never pipelined) and is idle once it is answered. Returns the
 * fibers of h1 and h2.
 */
export const pipelinedBesideIdle = ({ url, awaitSeen, answer }: HeldServer) =>
  Effect.gen(function* () {
    yield* answer("w")
    yield* get(url, "w")
    const h1 = yield* Effect.fork(get(url, "h1"))
    yield* awaitSeen(2)
    const h2 = yield* Effect.fork(get(url, "h2"))
    yield* awaitSeen(3)
    yield* answer("p")
    yield* post(url, "p")
    return { h1, h2 }
  })

/** The HTTP/1.1 pool's figures now. */
export const h1Stats = Effect.map(
  Effect.flatMap(Requests.Requests, (r) => r.stats),
  (s) => s.h1
)

/** Waits until the figure `read` from the pool's figures is `n`. */
export const awaitH1 = (unit: string, read: (stats: H1Pool.H1Stats) => number, n: number) => {
  let last = -1
  return Wait.within(
    Effect.gen(function* () {
      while ((last = read(yield* h1Stats)) !== n) yield* eventLoopTurn
    }),
    { helper: "awaitH1", unit, target: n, seen: () => last }
  )
}

/** Waits until `n` requests wait for a connection. */
export const awaitWaiting = (n: number) => awaitH1("waiting request", (s) => s.waiting, n)
