import * as net from "node:net"

/** Asks the kernel for a free port. Another process may take it before nginx binds; nginx then reports it. */
export const freePort = (host: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once("error", reject)
    server.listen(0, host, () => {
      const address = server.address()
      server.close(() =>
        typeof address === "object" && address !== null
          ? resolve(address.port)
          : reject(new Error(`unexpected listen address ${String(address)}`))
      )
    })
  })

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
