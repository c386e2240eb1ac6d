// Loads effect's Effect module, nothing else.
await import("effect/Effect")
