export * as Errors from "./errors.js"
