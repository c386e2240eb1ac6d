import type { ChildProcess } from "node:child_process"
import { captureOutput, forkModule } from "../harness/fork.js"
import type { Launcher } from "../harness/fork.js"
import type { Listeners, ServerStats } from "./types.js"

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null

const isPort = (value: unknown): value is number => typeof value === "number" && Number.isInteger(value)

const isListeners = (value: unknown): value is Listeners =>
  isRecord(value) &&
  Array.isArray(value.http) &&
  value.http.every(isPort) &&
  isPort(value.https) &&
  isPort(value.h2) &&
  isPort(value.h2c) &&
  isPort(value.upload) &&
  isPort(value.alpn)

const waitForListening = (child: ChildProcess, output: () => string): Promise<Listeners> =>
  new Promise((resolve, reject) => {
    const onMessage = (message: unknown): void => {
      if (isRecord(message) && message.type === "listening" && isListeners(message.listeners)) {
        child.off("exit", onExit)
        child.off("message", onMessage)
        resolve(message.listeners)
      }
    }
    const onExit = (code: number | null): void =>
      reject(new Error(`node server exited (${code}) before listening: ${output()}`))
    child.on("message", onMessage)
    child.once("exit", onExit)
    child.once("error", reject)
  })

/** The Node server's part of the bench server: every listener, and its counters. */
export interface NodeServer {
  readonly description: string
  readonly listeners: Listeners
  readonly stats: () => Promise<ServerStats>
  readonly stop: () => Promise<void>
}

export const startNodeServer = async (launcher: Launcher): Promise<NodeServer> => {
  const child = forkModule(launcher.module("servers/node-server-process"))
  const output = captureOutput(child)
  const listeners = await waitForListening(child, output)

  // The server answers stats requests in order, and the harness asks one at a time.
  const waiting: Array<{ resolve: (stats: ServerStats) => void; reject: (error: Error) => void }> = []
  child.on("message", (message: unknown) => {
    if (
      isRecord(message) &&
      message.type === "stats" &&
      typeof message.connections === "number" &&
      typeof message.requests === "number"
    ) {
      waiting.shift()?.resolve({ connections: message.connections, requests: message.requests })
    }
  })
  child.on("exit", (code, signal) => {
    const error = new Error(`node server exited (${code ?? signal}): ${output()}`)
    for (const pending of waiting.splice(0)) pending.reject(error)
  })

  return {
    description: `node:http, node:https and node:http2 ${process.version} (1 process)`,
    listeners,
    stats: () =>
      new Promise((resolve, reject) => {
        if (child.exitCode !== null || !child.connected) {
          return reject(new Error(`node server is not running: ${output()}`))
        }
        waiting.push({ resolve, reject })
        child.send({ type: "stats" })
      }),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once("exit", () => resolve())
        child.kill("SIGTERM")
      })
  }
}
