import * as net from "node:net"

const listening = (host: string): Promise<net.Server> =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once("error", reject)
    server.listen(0, host, () => resolve(server))
  })

const closed = (server: net.Server): Promise<void> =>
  new Promise((resolve, reject) => server.close((error) => (error === undefined ? resolve() : reject(error))))

/**
 * Asks the kernel for `count` distinct free ports, holding each until all are known so that none comes
 * twice. Another process may take one before nginx binds it; nginx then fails to start and says so.
 */
export const freePorts = async (host: string, count: number): Promise<ReadonlyArray<number>> => {
  const servers: Array<net.Server> = []
  try {
    while (servers.length < count) servers.push(await listening(host))
    return servers.map((server) => {
      const address = server.address()
      if (typeof address !== "object" || address === null) {
        throw new Error(`unexpected listen address ${String(address)}`)
      }
      return address.port
    })
  } finally {
    await Promise.all(servers.map(closed))
  }
}

/** Resolves once something accepts connections on host:port. */
export const waitForPort = async (host: string, port: number, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const error = await new Promise<Error | undefined>((resolve) => {
      const socket = net.connect({ host, port })
      socket.once("connect", () => {
        socket.destroy()
        resolve(undefined)
      })
      socket.once("error", resolve)
    })
    if (error === undefined) return
    if (Date.now() > deadline)
      throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms: ${error.message}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
