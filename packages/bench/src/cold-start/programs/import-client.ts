// Loads the client's package index, nothing else.
await import("@effect-requests/client")
