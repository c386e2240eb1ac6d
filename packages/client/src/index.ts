/**
 * effect-requests: an HTTP/1.1 and HTTP/2 client for Effect.
 *
 * @since 0.1.0
 */

/** The client layer, its options, stats and control. @since 0.1.0 */
export * as Requests from "./Requests.js"

/** Per-request limits: `maxBodySize` around any effect. @since 0.1.0 */
export * as Limits from "./Limits.js"

/** Per-request deadlines: a whole-request `timeout` around any effect. @since 0.1.0 */
export * as Timeouts from "./Timeouts.js"

/** The typed failures the client produces. @since 0.1.0 */
export * as Errors from "./Errors.js"

/** Connection targets. @since 0.1.0 */
export * as Endpoint from "./Endpoint.js"

/** What the pools take and give: exchanges and their responses. @since 0.1.0 */
export * as Exchange from "./Exchange.js"

/** TCP and TLS dialing, for custom transports and tests. @since 0.1.0 */
export * as Dialer from "./Dialer.js"

/** The HTTP/1.1 connection pool, its options and figures. @since 0.1.0 */
export * as H1Pool from "./H1Pool.js"

/** The HTTP/2 connection pool, its options and figures. @since 0.1.0 */
export * as H2ConnectionPool from "./H2ConnectionPool.js"

/** Which pool carries each endpoint's exchanges, learnt by ALPN. @since 0.1.0 */
export * as ProtocolRouter from "./ProtocolRouter.js"

/** Connection and request events, for logging, metrics and tracing. @since 0.1.0 */
export * as Events from "./Events.js"

/** Every battery stacked in one go: headers, redirects, retries, cookies, auth, decompression. @since 0.1.0 */
export * as Batteries from "./Batteries.js"

/** Streaming decompression with limits against decompression bombs. @since 0.1.0 */
export * as Decompression from "./Decompression.js"

/** Redirects with credentials kept to their origin. @since 0.1.0 */
export * as Redirects from "./Redirects.js"

/** Retries of idempotent requests, honouring Retry-After, within a budget. @since 0.1.0 */
export * as Retries from "./Retries.js"

/** User-Agent, Accept, client-wide headers and a base URL. @since 0.1.0 */
export * as DefaultHeaders from "./DefaultHeaders.js"

/** An RFC 6265 cookie jar on tough-cookie. @since 0.1.0 */
export * as Cookies from "./Cookies.js"

/** Basic and Digest authentication per origin. @since 0.1.0 */
export * as Auth from "./Auth.js"

/** Pools of pre-opened full-duplex HTTP/2 streams named by ID, client and server. @since 0.1.0 */
export * as StreamPool from "./StreamPool.js"
