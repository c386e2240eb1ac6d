// One GET with Node's global fetch, the body read: the baseline of the cold-start scenario.
// Arguments: URL, expected body length.
const [url = "", bytes = "0"] = process.argv.slice(2)
const response = await fetch(url)
const body = await response.arrayBuffer()
if (response.status !== 200 || body.byteLength !== Number(bytes)) {
  process.stderr.write(`fetch: ${response.status}, ${body.byteLength} bytes\n`)
  process.exitCode = 1
}
