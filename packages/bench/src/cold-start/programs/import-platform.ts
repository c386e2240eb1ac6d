// Loads the platform's HttpClient module, nothing else: what the client's import is weighed against.
await import("@effect/platform/HttpClient")
