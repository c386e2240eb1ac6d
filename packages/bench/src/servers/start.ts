import type { Launcher } from "../harness/fork.js"
import { errorMessage } from "../harness/messages.js"
import { findNginx, startNginx } from "./nginx.js"
import { startNodeServer } from "./node.js"
import type { BenchServer } from "./types.js"

export type ServerChoice = "auto" | "nginx" | "node"

export interface StartedServer {
  readonly server: BenchServer
  /** Why the preferred server is not the one running, for the report. */
  readonly note: string | undefined
}

/** nginx when installed (a server much faster than the clients under test), else a Node process. */
export const startServer = async (choice: ServerChoice, launcher: Launcher): Promise<StartedServer> => {
  if (choice === "node") return { server: await startNodeServer(launcher), note: undefined }
  const nginx = await findNginx()
  if (nginx === undefined) {
    if (choice === "nginx") throw new Error("nginx is not installed")
    return { server: await startNodeServer(launcher), note: "nginx not found; using the Node server" }
  }
  if (choice === "nginx") return { server: await startNginx(nginx), note: undefined }
  try {
    return { server: await startNginx(nginx), note: undefined }
  } catch (error) {
    return {
      server: await startNodeServer(launcher),
      note: `nginx failed to start (${errorMessage(error)}); using the Node server`
    }
  }
}
