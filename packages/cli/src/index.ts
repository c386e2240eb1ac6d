/**
 * @effect-requests/cli: the `ereq` command.
 *
 * @since 0.1.0
 */

/** The `ereq` command and a way to run it. @since 0.1.0 */
export * as Ereq from "./Ereq.js"
