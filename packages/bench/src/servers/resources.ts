/** Static bodies every server serves; scenarios refer to them by path. */
export interface Resource {
  readonly path: string
  readonly bytes: number
}

export const resources = {
  "1k": { path: "/1k.bin", bytes: 1024 }
} as const satisfies Record<string, Resource>

/** Non-repeating enough that no layer could shortcut it, and identical for every server. */
export const resourceBody = (resource: Resource): Buffer => {
  const body = Buffer.alloc(resource.bytes)
  for (let index = 0; index < body.length; index++) body[index] = 33 + ((index * 7919) % 94)
  return body
}
