/** What the servers serve, and the exchanges scenarios make with them. */
export interface Resource {
  readonly path: string
  readonly bytes: number
}

export const resources = {
  "1k": { path: "/1k.bin", bytes: 1024 },
  "10m": { path: "/10m.bin", bytes: 10 * 1024 * 1024 }
} as const satisfies Record<string, Resource>

/**
 * PUTs go under this prefix; the server reads the whole body, then answers 204. Each upload's file exists
 * beforehand so that a WebDAV PUT (nginx) answers 204 rather than 201 Created.
 */
export const uploadPrefix = "/upload/"

export const uploads = {
  "10m": { path: `${uploadPrefix}10m.bin`, bytes: 10 * 1024 * 1024 }
} as const satisfies Record<string, Resource>

/** One request and the response that proves the server handled it. */
export interface Exchange {
  readonly method: "GET" | "PUT"
  readonly path: string
  readonly requestBytes: number
  readonly expectedStatus: number
  readonly expectedBytes: number
}

export const download = (resource: Resource): Exchange => ({
  method: "GET",
  path: resource.path,
  requestBytes: 0,
  expectedStatus: 200,
  expectedBytes: resource.bytes
})

export const upload = (resource: Resource): Exchange => ({
  method: "PUT",
  path: resource.path,
  requestBytes: resource.bytes,
  expectedStatus: 204,
  expectedBytes: 0
})

/** Non-repeating enough that no layer could shortcut it, and identical for every server and client. */
export const resourceBody = (resource: Resource): Buffer => {
  const body = Buffer.alloc(resource.bytes)
  for (let index = 0; index < body.length; index++) body[index] = 33 + ((index * 7919) % 94)
  return body
}
