import type { ClientId } from "../clients/registry.js"
import type { PhaseBudget, Target } from "../clients/types.js"
import type { Shape } from "../scenarios.js"
import { certPaths } from "../servers/certs.js"
import type { BenchServer } from "../servers/types.js"
import { captureOutput, forkModule } from "./fork.js"
import type { Launcher } from "./fork.js"
import { isChildReply } from "./messages.js"
import type { ChildMeasurement, ChildReply, RunMessage } from "./messages.js"

export interface ClientRun {
  readonly client: ClientId
  readonly target: Target
  readonly shape: Shape
  readonly warmup: PhaseBudget
  readonly measure: PhaseBudget
  readonly timeoutMs: number
}

/** One client process's figures, with what the server saw of it. */
export interface Sample extends ChildMeasurement {
  /** Connections the server accepted from this client process, warm-up included. */
  readonly connections: number
  /** Requests the server answered for this client process, warm-up included. */
  readonly serverRequests: number
}

export type RunOutcome =
  { readonly ok: true; readonly sample: Sample } | { readonly ok: false; readonly reason: string }

const runChild = (launcher: Launcher, run: ClientRun): Promise<ChildReply> =>
  new Promise((resolve) => {
    // Global fetch takes no TLS options; every other client is given the CA explicitly as well.
    const env: Record<string, string> =
      run.target.ca === undefined ? {} : { NODE_EXTRA_CA_CERTS: certPaths.ca }
    const child = forkModule(launcher.module("harness/child"), env)
    const output = captureOutput(child)
    let reply: ChildReply | undefined
    const fail = (reason: string): ChildReply => ({ type: "failed", phase: "run", reason })
    const timer = setTimeout(() => {
      reply ??= fail(`timed out after ${run.timeoutMs} ms`)
      child.kill("SIGKILL")
    }, run.timeoutMs)
    child.on("message", (message: unknown) => {
      reply ??= isChildReply(message) ? message : fail(`malformed reply: ${JSON.stringify(message)}`)
    })
    child.once("error", (error) => {
      reply ??= fail(`could not start the client process: ${error.message}`)
    })
    // `close` comes after the process exited and its output drained, so the server has seen every request.
    child.once("close", (code, signal) => {
      clearTimeout(timer)
      const tail = output()
      resolve(reply ?? fail(`exited (${code ?? signal}) without a result${tail === "" ? "" : `: ${tail}`}`))
    })
    const message: RunMessage = {
      type: "run",
      client: run.client,
      target: run.target,
      shape: run.shape,
      warmup: run.warmup,
      measure: run.measure
    }
    child.send(message)
  })

/** Runs one client in a fresh process and attributes to it the server-side counts taken around it. */
export const runClient = async (
  launcher: Launcher,
  server: BenchServer,
  run: ClientRun
): Promise<RunOutcome> => {
  const before = await server.stats()
  const reply = await runChild(launcher, run)
  const after = await server.stats()
  if (reply.type === "failed") return { ok: false, reason: `${reply.phase}: ${reply.reason}` }
  return {
    ok: true,
    sample: {
      ...reply.measurement,
      connections: after.connections - before.connections,
      serverRequests: after.requests - before.requests
    }
  }
}
