/**
 * Launchers for real HTTP servers on loopback (nginx, h2o, nghttpd, Apache, lighttpd), each a
 * scoped resource with its configuration in a temporary directory, and the
 * small pieces the interoperability tests share.
 *
 * @since 0.1.0
 */

/** nginx: HTTP/1.1, HTTPS, HTTP/2 over TLS and h2c, with an access log per request. @since 0.1.0 */
export * as Nginx from "./nginx.js"

/** nginx with two origins for the client's batteries: gzip, redirects across origins, cookies. @since 0.1.0 */
export * as BatteryNginx from "./nginx-batteries.js"

/** Apache httpd with Digest authentication (mod_auth_digest). @since 0.1.0 */
export * as Apache from "./apache.js"

/** lighttpd with Digest authentication (mod_auth): SHA-256, SHA-512-256 and MD5. @since 0.1.0 */
export * as Lighttpd from "./lighttpd.js"

/** h2o: HTTP/2 and HTTP/1.1 over TLS, HTTP/1.1 and h2c in clear text. @since 0.1.0 */
export * as H2o from "./h2o.js"

/** nghttpd: HTTP/2 over TLS or h2c, with a frame log. @since 0.1.0 */
export * as Nghttpd from "./nghttpd.js"

/** Finding server binaries; skipping or failing when one is missing. @since 0.1.0 */
export * as Binaries from "./binaries.js"

/** Concurrency read out of server logs. @since 0.1.0 */
export * as Concurrency from "./concurrency.js"

/** Reproducible bodies and their digests. @since 0.1.0 */
export * as Content from "./content.js"

/** Free ports, waiting for a server to accept, polling a log. @since 0.1.0 */
export * as Net from "./net.js"

/** Server child processes owned by a scope. @since 0.1.0 */
export * as ServerProcess from "./process.js"

/** Temporary directories and document roots. @since 0.1.0 */
export * as Scratch from "./scratch.js"

export { InteropError } from "./errors.js"
