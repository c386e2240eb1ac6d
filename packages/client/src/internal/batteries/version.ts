/**
 * The client's version, as sent in `User-Agent`. Kept equal to the
 * package's `version` by a test, so no JSON import reaches the build.
 */
export const version = "0.1.0"
