/**
 * Certificates for TLS tests, read from the committed `certs/` directory of
 * this package (regenerate them with `certs/generate.sh`).
 *
 * - {@link ca} signs {@link leaf}, {@link leafAOnly} and {@link client}.
 * - {@link otherCa} is unrelated to them: trusting only it must fail.
 *
 * All keys are ECDSA P-256 and every certificate is valid until 2056.
 *
 * @since 0.1.0
 */
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

/**
 * A certificate chain and its private key, both PEM.
 *
 * @since 0.1.0
 */
export interface KeyPair {
  readonly cert: string
  readonly key: string
}

/**
 * Absolute path of the directory holding the PEM files, for tools that want
 * file names (curl, openssl).
 *
 * Resolved from this module's own location: `src/` while tests run from
 * sources and `dist/` once built both sit next to `certs/`.
 *
 * @since 0.1.0
 */
export const directory: string = fileURLToPath(new URL("../certs/", import.meta.url))

const read = (name: string): string => readFileSync(new URL(`../certs/${name}`, import.meta.url), "utf8")

const pair = (name: string): KeyPair => ({ cert: read(`${name}.pem`), key: read(`${name}.key`) })

/**
 * The test certificate authority (PEM). Trust it to accept {@link leaf},
 * {@link leafAOnly} and {@link client}.
 *
 * @since 0.1.0
 */
export const ca: string = read("ca.pem")

/**
 * A second, unrelated certificate authority (PEM), for "wrong CA" tests: a
 * client trusting only this one must reject {@link leaf}.
 *
 * @since 0.1.0
 */
export const otherCa: string = read("other-ca.pem")

/**
 * Server certificate signed by {@link ca} for `localhost`, `127.0.0.1`, `::1`,
 * `a.test`, `b.test` and `*.wild.test`.
 *
 * @since 0.1.0
 */
export const leaf: KeyPair = pair("leaf")

/**
 * Server certificate signed by {@link ca} covering only `a.test` and
 * `127.0.0.1`, for connection-coalescing tests: a connection made with it must
 * not be reused for `b.test`.
 *
 * @since 0.1.0
 */
export const leafAOnly: KeyPair = pair("leaf-a-only")

/**
 * Client certificate (extended key usage `clientAuth`) signed by {@link ca},
 * for mutual TLS tests.
 *
 * @since 0.1.0
 */
export const client: KeyPair = pair("client")

/**
 * Client certificate signed by {@link otherCa}: a server that trusts only
 * {@link ca} must refuse it.
 *
 * @since 0.1.0
 */
export const otherClient: KeyPair = pair("other-client")
