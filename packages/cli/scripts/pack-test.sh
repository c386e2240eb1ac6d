#!/usr/bin/env bash
# Packs each public package with `npm pack`, installs the tarballs into a
# fresh project that has only the peer dependencies (from the registry), and
# runs a program using Requests.layer against a loopback test server, then
# `npx ereq --version` and `npx ereq` against the same kind of server.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$root"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

npx tsc -b packages/client packages/testing packages/cli
npm pack --silent -w packages/client -w packages/testing -w packages/cli --pack-destination "$work" >/dev/null
ls "$work"/*.tgz

# The peers at the versions the workspace is tested with.
effect="$(node -p 'require("effect/package.json").version')"
platform="$(node -p 'require("@effect/platform/package.json").version')"

project="$work/project"
mkdir -p "$project"
cd "$project"
cat >package.json <<'JSON'
{ "name": "pack-test", "private": true, "type": "module" }
JSON
npm install --no-audit --no-fund --loglevel=error \
  "effect@$effect" "@effect/platform@$platform" "$work"/effect-requests-*.tgz

cat >program.mjs <<'JS'
import * as HttpClient from "@effect/platform/HttpClient"
import { Requests } from "@effect-requests/client"
import { HttpTestServer } from "@effect-requests/testing"
import * as Effect from "effect/Effect"
import { execFile } from "node:child_process"
import { promisify } from "node:util"

// Asynchronous: the test server runs in this process and must keep answering.
const run = (...args) => Effect.promise(() => promisify(execFile)("npx", ["--no-install", "ereq", ...args]))

const program = Effect.gen(function* () {
  const server = yield* HttpTestServer.make()
  const response = yield* HttpClient.get(`${server.url}/bytes/5`)
  const body = yield* response.text
  if (response.status !== 200 || body !== "abcde") throw new Error(`unexpected ${response.status} ${body}`)
  console.log(`client: ${response.status} ${body}`)
  const version = (yield* run("--version")).stdout.trim()
  console.log(`ereq --version: ${version}`)
  const echoed = (yield* run("-s", `${server.url}/echo`, "q==1")).stdout
  if (JSON.parse(echoed).url !== "/echo?q=1") throw new Error(`unexpected ${echoed}`)
  console.log("ereq: GET /echo?q=1 ok")
}).pipe(Effect.scoped, Effect.provide(Requests.layer()))

await Effect.runPromise(program)
JS
node program.mjs

# The client's entry is its bundle, with the source map that keeps it debuggable.
entry="$(node --input-type=module -e 'console.log(new URL(import.meta.resolve("@effect-requests/client")).pathname)')"
case "$entry" in */dist/bundle/index.js) ;; *) echo "client entry is $entry, not its bundle" >&2; exit 1 ;; esac
test -s "$entry.map" || { echo "no source map next to $entry" >&2; exit 1; }
echo "client entry: the bundle, with its source map"
echo "pack test: 3 packages installed from tarballs with only their peers; 1 passed, 0 failed"
