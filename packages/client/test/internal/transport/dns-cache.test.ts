import { spawn, spawnSync } from "node:child_process"
import type * as dns from "node:dns"
import * as net from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Endpoint, type Events } from "@effect-requests/client"
import { Effect, Exit, Scope } from "effect"
import { type Address, DnsCache, type Resolver } from "../../../src/internal/transport/dns-cache.js"
import { make as makeDialer } from "../../../src/internal/transport/dialer.js"
import { Observer } from "../../../src/internal/observe/observer.js"

/** A resolver answering from a table, counting its queries. */
const fakeResolver = (
  table: Record<string, { v4?: Array<dns.RecordWithTtl>; v6?: Array<dns.RecordWithTtl> }>
) => {
  const asked: Array<string> = []
  const answer = (host: string, records: Array<dns.RecordWithTtl> | undefined) =>
    records === undefined || records.length === 0
      ? Promise.reject(Object.assign(new Error(`queryA ENOTFOUND ${host}`), { code: "ENOTFOUND" }))
      : Promise.resolve(records)
  const resolver: Resolver = {
    resolve4: (host) => {
      asked.push(`A ${host}`)
      return answer(host, table[host]?.v4)
    },
    resolve6: (host) => {
      asked.push(`AAAA ${host}`)
      return answer(host, table[host]?.v6)
    }
  }
  return { resolver, asked }
}

const noFallback = (host: string): Promise<ReadonlyArray<Address>> =>
  Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" }))

describe("DnsCache", () => {
  it("a burst to one host resolves once", async () => {
    const { resolver } = fakeResolver({ "a.test": { v4: [{ address: "127.0.0.1", ttl: 60 }] } })
    const cache = new DnsCache(() => 0, {}, resolver, noFallback)
    const answers = await Promise.all(Array.from({ length: 50 }, () => cache.resolve("a.test")))
    expect(cache.queries).toBe(1)
    expect(new Set(answers.map((a) => a.map((x) => x.address).join()))).toEqual(new Set(["127.0.0.1"]))
  })

  it("honours the smallest TTL of the answer, capped by maxTtlSeconds", async () => {
    let now = 1_000
    const { resolver } = fakeResolver({
      "a.test": { v4: [{ address: "127.0.0.1", ttl: 30 }], v6: [{ address: "::1", ttl: 10 }] },
      "b.test": { v4: [{ address: "127.0.0.2", ttl: 3600 }] }
    })
    const cache = new DnsCache(() => now, { maxTtlSeconds: 60 }, resolver, noFallback)
    await cache.resolve("a.test")
    await cache.resolve("b.test")
    now += 9_999
    await cache.resolve("a.test")
    expect(cache.queries).toBe(2)
    now += 1
    await cache.resolve("a.test")
    expect(cache.queries).toBe(3)
    now += 50_000
    await cache.resolve("b.test")
    expect(cache.queries).toBe(4)
  })

  it("remembers a failure for negativeTtlSeconds, then asks again", async () => {
    let now = 0
    const { resolver } = fakeResolver({})
    const cache = new DnsCache(() => now, { negativeTtlSeconds: 2 }, resolver, noFallback)
    await expect(cache.resolve("missing.test")).rejects.toMatchObject({ code: "ENOTFOUND" })
    await expect(cache.resolve("missing.test")).rejects.toMatchObject({ code: "ENOTFOUND" })
    expect(cache.queries).toBe(1)
    now += 2_000
    await expect(cache.resolve("missing.test")).rejects.toMatchObject({ code: "ENOTFOUND" })
    expect(cache.queries).toBe(2)
  })

  it("orders IPv6 first, then alternates families (RFC 8305)", async () => {
    const { resolver } = fakeResolver({
      "d.test": {
        v4: [
          { address: "127.0.0.1", ttl: 60 },
          { address: "127.0.0.2", ttl: 60 }
        ],
        v6: [{ address: "::1", ttl: 60 }]
      }
    })
    const cache = new DnsCache(() => 0, {}, resolver, noFallback)
    expect((await cache.resolve("d.test")).map((a) => a.address)).toEqual(["::1", "127.0.0.1", "127.0.0.2"])
  })

  it("names DNS does not know go to the system resolver", async () => {
    const { resolver } = fakeResolver({})
    const cache = new DnsCache(
      () => 0,
      {},
      resolver,
      (host) => Promise.resolve(host === "localhost" ? [{ address: "127.0.0.1", family: 4 as const }] : [])
    )
    expect(await cache.resolve("localhost")).toEqual([{ address: "127.0.0.1", family: 4 }])
  })

  it("localhost and its subdomains never go to DNS", async () => {
    const { resolver, asked: dns } = fakeResolver({
      "app.localhost": { v4: [{ address: "10.0.0.1", ttl: 60 }] }
    })
    const asked: Array<string> = []
    const cache = new DnsCache(
      () => 0,
      {},
      resolver,
      (host) => {
        asked.push(host)
        return Promise.resolve([{ address: "127.0.0.1", family: 4 as const }])
      }
    )
    expect(await cache.resolve("localhost")).toEqual([{ address: "127.0.0.1", family: 4 }])
    expect(await cache.resolve("App.Localhost.")).toEqual([{ address: "127.0.0.1", family: 4 }])
    expect(asked).toEqual(["localhost", "App.Localhost."])
    expect(dns).toEqual([])
  })
})

/** A process holding `[::1]:port` in listen(0) without ever accepting: once one connection fills its queue, SYNs go unanswered. */
const ipv6Blackhole = Effect.acquireRelease(
  Effect.async<{ port: number; kill: () => void }, Error>((resume) => {
    const child = spawn("python3", [
      "-c",
      "import socket,sys\ns=socket.socket(socket.AF_INET6)\ns.bind(('::1',0))\ns.listen(0)\n" +
        "print(s.getsockname()[1],flush=True)\nsys.stdin.read()"
    ])
    child.once("error", (error) => resume(Effect.fail(error)))
    child.stdout.once("data", (data: Buffer) =>
      resume(Effect.succeed({ port: Number(data.toString().trim()), kill: () => child.kill() }))
    )
  }),
  ({ kill }) => Effect.sync(kill)
)

const connected = (port: number, host: string) =>
  Effect.acquireRelease(
    Effect.async<net.Socket>((resume) => {
      const socket = net.connect(port, host, () => resume(Effect.succeed(socket)))
    }),
    (socket) => Effect.sync(() => socket.destroy())
  )

const hasPython = spawnSync("python3", ["--version"]).status === 0

describe.skipIf(!hasPython)("happy eyeballs over the cached addresses", () => {
  it.scopedLive("IPv6 blackholes, IPv4 answers: the dial lands on IPv4", () =>
    Effect.gen(function* () {
      const hole = yield* ipv6Blackhole
      // Fills the one-connection queue: from here on the listener drops SYNs.
      yield* connected(hole.port, "::1")
      const server = net.createServer((socket) => socket.end())
      yield* Effect.acquireRelease(
        Effect.async<void>((resume) => {
          server.listen(hole.port, "127.0.0.1", () => resume(Effect.void))
        }),
        () => Effect.sync(() => server.close())
      )
      const { resolver } = fakeResolver({
        "dual.test": { v6: [{ address: "::1", ttl: 60 }], v4: [{ address: "127.0.0.1", ttl: 60 }] }
      })
      const cache = new DnsCache(() => 0, {}, resolver, noFallback)
      const events: Array<Events.RequestsEvent> = []
      const observer = new Observer(
        (event) => events.push(event),
        () => 0
      )
      const scope = yield* Scope.make()
      const dialed = yield* makeDialer({ lookup: cache.lookup }, observer)
        .dial(Endpoint.make("http", "dual.test", hole.port))
        .pipe(Scope.extend(scope))
      expect(dialed.remoteAddress).toBe("127.0.0.1")
      expect(events.find((e) => e._tag === "Dns")).toMatchObject({ addresses: ["::1", "127.0.0.1"] })
      yield* Scope.close(scope, Exit.void)
    })
  )
})
