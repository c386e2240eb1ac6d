/**
 * `ereq`'s options and arguments, with curl's names and meanings.
 *
 * @internal
 */
import * as Args from "@effect/cli/Args"
import * as Options from "@effect/cli/Options"

const flag = (name: string, alias: string | undefined, description: string) => {
  const option = Options.boolean(name).pipe(Options.withDescription(description))
  return alias === undefined ? option : Options.withAlias(option, alias)
}

const text = (name: string, alias: string | undefined, description: string) => {
  const option = Options.text(name).pipe(Options.withDescription(description))
  return alias === undefined ? option : Options.withAlias(option, alias)
}

const many = (name: string, alias: string | undefined, description: string) =>
  text(name, alias, description).pipe(Options.repeated)

const optionalText = (name: string, alias: string | undefined, description: string) =>
  text(name, alias, description).pipe(Options.optional)

const seconds = (name: string, alias: string | undefined, description: string) => {
  const option = Options.float(name).pipe(Options.withDescription(description))
  return (alias === undefined ? option : Options.withAlias(option, alias)).pipe(Options.optional)
}

/** Every option and argument, as @effect/cli parses them. @internal */
export const config = {
  request: optionalText("request", "X", "Request method, e.g. PUT"),
  header: many("header", "H", "Extra header, 'Name: value'"),
  data: many("data", "d", "Form data to send (POST); @file reads a file, line breaks dropped"),
  dataBinary: many("data-binary", undefined, "Data to send as is; @file reads a file byte for byte"),
  json: many("json", undefined, "JSON to send, with JSON Content-Type and Accept; @file reads a file"),
  form: many("form", "F", "Multipart field, name=value or name=@file"),
  uploadFile: optionalText("upload-file", "T", "PUT this file, streamed ('-' for standard input)"),
  cookie: many("cookie", "b", "Send cookies: 'NAME=VALUE; …', or read a Netscape cookie file"),
  cookieJar: optionalText(
    "cookie-jar",
    "c",
    "Write the cookies kept to this file (Netscape format) at the end"
  ),
  output: many("output", "o", "Write the body to this file (one per URL)"),
  remoteName: flag("remote-name", "O", "Write the body to a file named like the URL's last path segment"),
  head: flag("head", "I", "Send HEAD and print the response headers"),
  include: flag("include", "i", "Print the response headers before the body"),
  location: flag("location", "L", "Follow redirects"),
  maxRedirs: Options.integer("max-redirs").pipe(
    Options.withDescription("Redirects followed at most with -L (default 50)"),
    Options.optional
  ),
  insecure: flag("insecure", "k", "Do not verify the server's certificate"),
  cacert: optionalText("cacert", undefined, "Trust the CA certificates of this PEM file"),
  cert: optionalText("cert", "E", "Client certificate, a PEM file (with its key unless --key)"),
  key: optionalText("key", undefined, "Private key of the client certificate, a PEM file"),
  resolve: many("resolve", undefined, "Connect to ADDR for HOST: HOST:PORT:ADDR"),
  user: optionalText("user", "u", "Credentials, user:password (Basic unless --digest)"),
  digest: flag("digest", undefined, "Use Digest authentication with -u"),
  basic: flag("basic", undefined, "Use Basic authentication with -u (the default)"),
  http11: flag("http1.1", undefined, "Speak HTTP/1.1 only"),
  http2: flag("http2", undefined, "Offer HTTP/2 by ALPN over TLS (the default); HTTP/1.1 on http"),
  http2PriorKnowledge: flag(
    "http2-prior-knowledge",
    undefined,
    "Speak HTTP/2 without negotiation, h2c on http"
  ),
  proxy: optionalText("proxy", "x", "Use a proxy"),
  compressed: flag("compressed", undefined, "Ask for a compressed response and decode it"),
  connectTimeout: seconds("connect-timeout", undefined, "Seconds allowed to connect, TLS included"),
  maxTime: seconds("max-time", "m", "Seconds allowed for the whole transfer"),
  retry: Options.integer("retry").pipe(
    Options.withDescription("Retry transient failures this many times"),
    Options.optional
  ),
  silent: flag("silent", "s", "No progress bar, no error messages"),
  showError: flag("show-error", "S", "With -s, still print error messages"),
  verbose: flag("verbose", "v", "Print connection events with timings, headers and a summary"),
  fail: flag("fail", "f", "Fail with exit code 22, and print no body, on HTTP status 400 or above"),
  writeOut: optionalText(
    "write-out",
    "w",
    "Print this after the transfer, e.g. '%{http_code} %{time_total}'"
  ),
  parallel: flag("parallel", "Z", "Run the transfers of several URLs at the same time"),
  parallelMax: Options.integer("parallel-max").pipe(
    Options.withDescription("Transfers at the same time with -Z (default 50)"),
    Options.withDefault(50)
  ),
  args: Args.text({ name: "[METHOD] URL [ITEM]" }).pipe(
    Args.withDescription("Method, URLs and items: name=value, name:=json, Header:value, param==value"),
    Args.repeated
  )
}

type Parsed<T> = {
  readonly [K in keyof T]: T[K] extends Options.Options<infer A>
    ? A
    : T[K] extends Args.Args<infer A>
      ? A
      : never
}

/** The parsed command line. @internal */
export type Flags = Parsed<typeof config>
