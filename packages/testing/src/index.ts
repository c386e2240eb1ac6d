/**
 * Test support for programs built on `@effect-requests/client`: loopback
 * servers acquired as scoped resources, committed test certificates, a
 * byte-scripting server, a fault-injecting server and a mock `HttpClient`
 * layer.
 *
 * @since 0.1.0
 */

/**
 * Test CA, server and client certificates, read from `certs/`.
 *
 * @since 0.1.0
 */
export * as TestCerts from "./TestCerts.js"

/**
 * A real HTTP/1.1 (and HTTPS) server with built-in routes and awaitable counters.
 *
 * @since 0.1.0
 */
export * as HttpTestServer from "./HttpTestServer.js"

/**
 * A real HTTP/2 server (TLS with ALPN h2, or h2c) with built-in routes, awaitable counters and fault controls.
 *
 * @since 0.1.0
 */
export * as Http2TestServer from "./Http2TestServer.js"

/**
 * A TLS server speaking HTTP/2 and HTTP/1.1 (and optionally plain HTTP/1.1)
 * that injects faults at seeded random points and records which requests it
 * processed, for soak tests.
 *
 * @since 0.1.0
 */
export * as FaultServer from "./FaultServer.js"

/**
 * A TCP/TLS server whose connections are driven by a script, for exact bytes.
 *
 * @since 0.1.0
 */
export * as RawServer from "./RawServer.js"

/**
 * An in-memory `HttpClient` layer answered by a handler, recording requests.
 *
 * @since 0.1.0
 */
export * as MockHttpClient from "./MockHttpClient.js"

/**
 * Asserts that work left no sockets, timers or Effect fibers alive, via
 * `process.getActiveResourcesInfo()` and the running fibers.
 *
 * @since 0.1.0
 */
export * as LeakCheck from "./LeakCheck.js"

/**
 * The bound on the servers' `await*` helpers, in real time, and the `WaitTimeout` they fail with.
 *
 * @since 0.1.0
 */
export * as Wait from "./Wait.js"
