#!/usr/bin/env node
/**
 * The `ereq` executable.
 *
 * @since 0.1.0
 */
import { runMain } from "./Ereq.js"

// Streams are flushed by the runtime before it exits with the code set here.
runMain(process.argv.slice(2)).then((code) => {
  process.exitCode = code
})
