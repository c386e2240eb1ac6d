import type { Launcher } from "../harness/fork.js"
import { errorMessage } from "../harness/messages.js"
import { readCerts } from "./certs.js"
import { findNginx } from "./nginx-binary.js"
import { startNginx } from "./nginx.js"
import type { NginxPlacement, NginxServer } from "./nginx.js"
import { startNodeServer } from "./node.js"
import type { NodeServer } from "./node.js"
import type { BenchServer, Listeners } from "./types.js"

export type ServerChoice = "auto" | "nginx" | "node"

export interface StartedServer {
  readonly server: BenchServer
  /** Why the preferred server is not the one running, or not for every listener, for the report. */
  readonly note: string | undefined
}

const host = "127.0.0.1"

const nodeOnly = (node: NodeServer): BenchServer => ({
  kind: "node",
  description: node.description,
  host,
  listeners: node.listeners,
  ca: readCerts().ca,
  stats: node.stats,
  stop: node.stop
})

const missingFromNginx = (nginx: NginxServer): ReadonlyArray<keyof Listeners> =>
  (["https", "h2", "h2c", "upload", "alpn"] as const).filter((key) => nginx.listeners[key] === undefined)

/**
 * nginx serves what its build can; the Node server, in its own process, serves the rest. The harness runs
 * one client at a time, so summing both servers' counts attributes them correctly.
 */
const withNodeFallback = async (nginx: NginxServer, launcher: Launcher): Promise<StartedServer> => {
  const missing = missingFromNginx(nginx)
  const { https, h2, h2c, upload, alpn } = nginx.listeners
  if (
    https !== undefined &&
    h2 !== undefined &&
    h2c !== undefined &&
    upload !== undefined &&
    alpn !== undefined
  ) {
    return {
      server: {
        kind: "nginx",
        description: nginx.description,
        host,
        listeners: { http: nginx.listeners.http, https, h2, h2c, upload, alpn },
        ca: readCerts().ca,
        stats: nginx.stats,
        stop: nginx.stop
      },
      note: undefined
    }
  }
  const node = await startNodeServer(launcher).catch(async (error: unknown) => {
    await nginx.stop()
    throw error
  })
  return {
    server: {
      kind: "nginx+node",
      description: `${nginx.description}; ${node.description} for ${missing.join(", ")}`,
      host,
      listeners: {
        http: nginx.listeners.http,
        https: https ?? node.listeners.https,
        h2: h2 ?? node.listeners.h2,
        h2c: h2c ?? node.listeners.h2c,
        upload: upload ?? node.listeners.upload,
        alpn: alpn ?? node.listeners.alpn
      },
      ca: readCerts().ca,
      stats: async () => {
        const [a, b] = await Promise.all([nginx.stats(), node.stats()])
        return { connections: a.connections + b.connections, requests: a.requests + b.requests }
      },
      stop: async () => {
        await Promise.all([nginx.stop(), node.stop()])
      }
    },
    note: `this nginx build lacks modules for ${missing.join(", ")}; the Node server serves those`
  }
}

/** The name the test certificate covers; in a namespace, the clients resolve it to the namespace's address. */
const certifiedName = "localhost"

/**
 * nginx alone, inside a network namespace: no Node fallback, whose listeners would be on this side of the
 * link. The origins are `localhost`, resolved by the clients to the namespace's address.
 */
const inNamespace = async (
  placement: NginxPlacement & { readonly netns: string }
): Promise<StartedServer> => {
  const binary = await findNginx()
  if (binary === undefined) throw new Error("--server-netns needs nginx")
  const nginx = await startNginx(binary, placement)
  const { https, h2, h2c, upload, alpn } = nginx.listeners
  if (
    https === undefined ||
    h2 === undefined ||
    h2c === undefined ||
    upload === undefined ||
    alpn === undefined
  ) {
    await nginx.stop()
    throw new Error(
      `--server-netns: this nginx build lacks modules for ${missingFromNginx(nginx).join(", ")}`
    )
  }
  return {
    server: {
      kind: "nginx",
      description: `${nginx.description}, in network namespace ${placement.netns} at ${placement.host}`,
      host: certifiedName,
      resolveTo: placement.host,
      listeners: { http: nginx.listeners.http, https, h2, h2c, upload, alpn },
      ca: readCerts().ca,
      stats: nginx.stats,
      stop: nginx.stop
    },
    note: `server in network namespace ${placement.netns}; only the clients that take a lookup can reach it`
  }
}

/**
 * nginx when installed (a server much faster than the clients under test), else a Node process; with a
 * namespace, nginx in it.
 */
export const startServer = async (
  choice: ServerChoice,
  launcher: Launcher,
  placement?: NginxPlacement
): Promise<StartedServer> => {
  if (placement?.netns !== undefined) {
    if (choice === "node") throw new Error("--server-netns runs nginx; --server node does not apply")
    return inNamespace({ ...placement, netns: placement.netns })
  }
  if (choice === "node") return { server: nodeOnly(await startNodeServer(launcher)), note: undefined }
  const nginx = await findNginx()
  if (nginx === undefined) {
    if (choice === "nginx") throw new Error("nginx is not installed")
    return {
      server: nodeOnly(await startNodeServer(launcher)),
      note: "nginx not found; using the Node server"
    }
  }
  if (choice === "nginx") return withNodeFallback(await startNginx(nginx), launcher)
  try {
    return await withNodeFallback(await startNginx(nginx), launcher)
  } catch (error) {
    return {
      server: nodeOnly(await startNodeServer(launcher)),
      note: `nginx failed to start (${errorMessage(error)}); using the Node server`
    }
  }
}
