// One GET with undici's `request`, the body read. Arguments: URL, expected body length.
import { request } from "undici"

const [url = "", bytes = "0"] = process.argv.slice(2)
const response = await request(url)
const body = await response.body.arrayBuffer()
if (response.statusCode !== 200 || body.byteLength !== Number(bytes)) {
  process.stderr.write(`undici: ${response.statusCode}, ${body.byteLength} bytes\n`)
  process.exitCode = 1
}
