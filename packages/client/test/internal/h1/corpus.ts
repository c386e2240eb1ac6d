/**
 * Responses for the parser tests: valid ones with the events they must
 * produce, and malformed ones with the reason they must be rejected for.
 * Inputs are Latin-1 strings, one character per byte.
 */
import type {
  ParseErrorReason,
  ParserLimits,
  ResponseHead
} from "../../../src/internal/h1/response-parser.js"

/** What the parser reported, with consecutive body chunks merged so that any split of the input reads the same. */
export type Event =
  | { readonly type: "informational"; readonly head: ResponseHead }
  | { readonly type: "head"; readonly head: ResponseHead }
  | { readonly type: "body"; readonly data: string }
  | { readonly type: "complete"; readonly trailers: Record<string, string> | undefined }
  | { readonly type: "error"; readonly reason: ParseErrorReason; readonly detail?: string }
  /** `finish()` returned no error. */
  | { readonly type: "finished" }

export interface Case {
  readonly name: string
  readonly input: string
  /** One entry per request written, `true` for HEAD. */
  readonly expects: ReadonlyArray<boolean>
  /** Whether the peer closes the connection after the input (`finish()` is called). */
  readonly finish?: boolean
  readonly limits?: ParserLimits
}

export interface ValidCase extends Case {
  readonly events: ReadonlyArray<Event>
}

export interface MalformedCase extends Case {
  readonly reason: ParseErrorReason
}

const chunkedBody =
  "5;name=value\r\nhello\r\n" + '6 ; q="a;b\\"c" ;flag\r\n world\r\n' + "A\r\n, chunked!\r\n" + "0\r\n"

export const valid: ReadonlyArray<ValidCase> = [
  {
    name: "content-length, keep-alive",
    input: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world",
    expects: [false],
    events: [
      {
        type: "head",
        head: {
          status: 200,
          reason: "OK",
          minorVersion: 1,
          headers: { "content-type": "text/plain", "content-length": "11" },
          setCookie: [],
          keepAlive: true,
          bodyKind: "content-length",
          contentLength: 11
        }
      },
      { type: "body", data: "hello world" },
      { type: "complete", trailers: undefined }
    ]
  },
  {
    name: "chunked with extensions and trailers",
    input:
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n" +
      chunkedBody +
      "X-Checksum: abc\r\nx-checksum: def\r\nServer-Timing: db;dur=53\r\n\r\n",
    expects: [false],
    events: [
      {
        type: "head",
        head: {
          status: 200,
          reason: "OK",
          minorVersion: 1,
          headers: { "transfer-encoding": "chunked", trailer: "X-Checksum" },
          setCookie: [],
          keepAlive: true,
          bodyKind: "chunked",
          contentLength: -1
        }
      },
      { type: "body", data: "hello world, chunked!" },
      { type: "complete", trailers: { "x-checksum": "abc, def", "server-timing": "db;dur=53" } }
    ]
  },
  {
    name: "chunked without trailers, upper-case hex and leading zeros",
    input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n0000B\r\n0123456789a\r\n00\r\n\r\n",
    expects: [false],
    events: [
      {
        type: "head",
        head: {
          status: 200,
          reason: "OK",
          minorVersion: 1,
          headers: { "transfer-encoding": "gzip, Chunked" },
          setCookie: [],
          keepAlive: true,
          bodyKind: "chunked",
          contentLength: -1
        }
      },
      { type: "body", data: "0123456789a" },
      { type: "complete", trailers: {} }
    ]
  },
  {
    name: "many small chunks",
    input:
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
      "1\r\nx\r\n".repeat(20) +
      "10\r\n0123456789abcdef\r\n0\r\n\r\n",
    expects: [false],
    events: [
      {
        type: "head",
        head: {
          status: 200,
          reason: "OK",
          minorVersion: 1,
          headers: { "transfer-encoding": "chunked" },
          setCookie: [],
          keepAlive: true,
          bodyKind: "chunked",
          contentLength: -1
        }
      },
      { type: "body", data: "x".repeat(20) + "0123456789abcdef" },
      { type: "complete", trailers: {} }
    ]
  },
  {
    name: "close-delimited",
    input: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nread until the peer closes",
    expects: [false],
    finish: true,
    events: [
      {
        type: "head",
        head: {
          status: 200,
          reason: "OK",
          minorVersion: 1,
          headers: { "content-type": "text/plain" },
          setCookie: [],
          keepAlive: false,
          bodyKind: "close-delimited",
          contentLength: -1
        }
      },
      { type: "body", data: "read until the peer closes" },
      { type: "complete", trailers: undefined },
      { type: "finished" }
    ]
  },
  {
    name: "close-delimited with an empty body",
    input: "HTTP/1.1 200 OK\r\n\r\n",
    expects: [false],
    finish: true,
    events: [
      {
        type: "head",
        head: {
          status: 200,
          reason: "OK",
          minorVersion: 1,
          headers: {},
          setCookie: [],
          keepAlive: false,
          bodyKind: "close-delimited",
          contentLength: -1
        }
      },
      { type: "complete", trailers: undefined },
      { type: "finished" }
    ]
  },
  {
    name: "HEAD response with both framings ends the connection",
    input:
      "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nTransfer-Encoding: identity\r\n\r\n" +
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    expects: [true, false],
    finish: true,
    events: [
      {
        type: "head",
        head: {
          status: 200,
          reason: "OK",
          minorVersion: 1,
          headers: { "content-length": "1234", "transfer-encoding": "identity" },
          setCookie: [],
          keepAlive: false,
          bodyKind: "none",
          contentLength: -1
        }
      },
      { type: "complete", trailers: undefined },
      {
        type: "error",
        reason: "UnsolicitedResponse",
        detail: "bytes after a response that ended the connection"
      }
    ]
  },
  {
    name: "HEAD response then a GET response",
    input: "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    expects: [true, false],
    finish: true,
    events: [
      {
        type: "head",
        head: {
          status: 200,
          reason: "OK",
          minorVersion: 1,
          headers: { "content-length": "1234" },
          setCookie: [],
          keepAlive: true,
          bodyKind: "none",
          contentLength: -1
        }
      },
      { type: "complete", trailers: undefined },
      {
        type: "head",
        head: {
          status: 200,
          reason: "OK",
          minorVersion: 1,
          headers: { "content-length": "2" },
          setCookie: [],
          keepAlive: true,
          bodyKind: "content-length",
          contentLength: 2
        }
      },
      { type: "body", data: "ok" },
      { type: "complete", trailers: undefined },
      { type: "finished" }
    ]
  },
  {
    name: "204 No Content",
    input: "HTTP/1.1 204 No Content\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\n\r\n",
    expects: [false],
    finish: true,
    events: [
      {
        type: "head",
        head: {
          status: 204,
          reason: "No Content",
          minorVersion: 1,
          headers: { date: "Mon, 01 Jan 2024 00:00:00 GMT" },
          setCookie: [],
          keepAlive: true,
          bodyKind: "none",
          contentLength: -1
        }
      },
      { type: "complete", trailers: undefined },
      { type: "finished" }
    ]
  },
  {
    name: "304 Not Modified with Content-Length",
    input: 'HTTP/1.1 304 Not Modified\r\nETag: "abc"\r\nContent-Length: 50\r\n\r\n',
    expects: [false],
    events: [
      {
        type: "head",
        head: {
          status: 304,
          reason: "Not Modified",
          minorVersion: 1,
          headers: { etag: '"abc"', "content-length": "50" },
          setCookie: [],
          keepAlive: true,
          bodyKind: "none",
          contentLength: -1
        }
      },
      { type: "complete", trailers: undefined }
    ]
  },
  {
    name: "100 Continue and 103 Early Hints, then 200",
    input:
      "HTTP/1.1 100 Continue\r\n\r\n" +
      "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n" +
      "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone",
    expects: [false],
    events: [
      {
        type: "informational",
        head: {
          status: 100,
          reason: "Continue",
          minorVersion: 1,
          headers: {},
          setCookie: [],
          keepAlive: true,
          bodyKind: "none",
          contentLength: -1
        }
      },
      {
        type: "informational",
        head: {
          status: 103,
          reason: "Early Hints",
          minorVersion: 1,
          headers: { link: "</style.css>; rel=preload" },
          setCookie: [],
          keepAlive: true,
          bodyKind: "none",
          contentLength: -1
        }
      },
      {
        type: "head",
        head: {
          status: 200,
          reason: "OK",
          minorVersion: 1,
          headers: { "content-length": "4" },
          setCookie: [],
          keepAlive: true,
          bodyKind: "content-length",
          contentLength: 4
        }
      },
      { type: "body", data: "done" },
      { type: "complete", trailers: undefined }
    ]
  },
  {
    name: "101 Switching Protocols ends HTTP/1.1 on the connection",
    input: "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
    expects: [false],
    finish: true,
    events: [
      {
        type: "head",
        head: {
          status: 101,
          reason: "Switching Protocols",
          minorVersion: 1,
          headers: { connection: "Upgrade", upgrade: "websocket" },
          setCookie: [],
          keepAlive: false,
          bodyKind: "none",
          contentLength: -1
        }
      },
      { type: "complete", trailers: undefined },
      { type: "finished" }
    ]
  },
  {
    name: "HTTP/1.0 with Content-Length closes by default",
    input: "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabc",
    expects: [false],
    finish: true,
    events: [
      {
        type: "head",
        head: {
          status: 200,
          reason: "OK",
          minorVersion: 0,
          headers: { "content-length": "3" },
          setCookie: [],
          keepAlive: false,
          bodyKind: "content-length",
          contentLength: 3
        }
      },
      { type: "body", data: "abc" },
      { type: "complete", trailers: undefined },
      { type: "finished" }
    ]
  },
  {
    name: "HTTP/1.0 keep-alive, then HTTP/1.0 close-delimited",
    input:
      "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 3\r\n\r\nabc" +
      "HTTP/1.0 404 Not Found\r\n\r\nmissing",
    expects: [false, false],
    finish: true,
    events: [
      {
        type: "head",
        head: {
          status: 200,
          reason: "OK",
          minorVersion: 0,
          headers: { connection: "Keep-Alive", "content-length": "3" },
          setCookie: [],
          keepAlive: true,
          bodyKind: "content-length",
          contentLength: 3
        }
      },
      { type: "body", data: "abc" },
      { type: "complete", trailers: undefined },
      {
        type: "head",
        head: {
          status: 404,
          reason: "Not Found",
          minorVersion: 0,
          headers: {},
          setCookie: [],
          keepAlive: false,
          bodyKind: "close-delimited",
          contentLength: -1
        }
      },
      { type: "body", data: "missing" },
      { type: "complete", trailers: undefined },
      { type: "finished" }
    ]
  },
  {
    name: "HTTP/1.0 with Transfer-Encoding is read to the close",
    input:
      "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    expects: [false],
    finish: true,
    events: [
      {
        type: "head",
        head: {
          status: 200,
          reason: "OK",
          minorVersion: 0,
          headers: { "transfer-encoding": "chunked", connection: "keep-alive" },
          setCookie: [],
          keepAlive: false,
          bodyKind: "close-delimited",
          contentLength: -1
        }
      },
      { type: "body", data: "3\r\nabc\r\n0\r\n\r\n" },
      { type: "complete", trailers: undefined },
      { type: "finished" }
    ]
  },
  {
    name: "three pipelined responses",
    input:
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst" +
      "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nsecond\r\n0\r\n\r\n" +
      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    expects: [false, false, false],
    events: [
      {
        type: "head",
        head: {
          status: 200,
          reason: "OK",
          minorVersion: 1,
          headers: { "content-length": "5" },
          setCookie: [],
          keepAlive: true,
          bodyKind: "content-length",
          contentLength: 5
        }
      },
      { type: "body", data: "first" },
      { type: "complete", trailers: undefined },
      {
        type: "head",
        head: {
          status: 201,
          reason: "Created",
          minorVersion: 1,
          headers: { "transfer-encoding": "chunked" },
          setCookie: [],
          keepAlive: true,
          bodyKind: "chunked",
          contentLength: -1
        }
      },
      { type: "body", data: "second" },
      { type: "complete", trailers: {} },
      {
        type: "head",
        head: {
          status: 200,
          reason: "OK",
          minorVersion: 1,
          headers: { "content-length": "0" },
          setCookie: [],
          keepAlive: true,
          bodyKind: "content-length",
          contentLength: 0
        }
      },
      { type: "complete", trailers: undefined }
    ]
  },
  {
    name: "Set-Cookie repeated, other repeated fields joined",
    input:
      "HTTP/1.1 200 OK\r\nSet-Cookie: a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT\r\nVary: Accept\r\n" +
      "set-cookie: b=2\r\nvary: Accept-Encoding\r\nCache-Control: no-cache\r\nCache-Control: no-store\r\n" +
      "SET-COOKIE: c=3\r\nContent-Length: 0\r\n\r\n",
    expects: [false],
    events: [
      {
        type: "head",
        head: {
          status: 200,
          reason: "OK",
          minorVersion: 1,
          headers: {
            vary: "Accept, Accept-Encoding",
            "cache-control": "no-cache, no-store",
            "content-length": "0"
          },
          setCookie: ["a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT", "b=2", "c=3"],
          keepAlive: true,
          bodyKind: "content-length",
          contentLength: 0
        }
      },
      { type: "complete", trailers: undefined }
    ]
  },
  {
    name: "Connection: close on HTTP/1.1",
    input: "HTTP/1.1 200 OK\r\nConnection: Upgrade, CLOSE\r\nContent-Length: 2\r\n\r\nok",
    expects: [false],
    events: [
      {
        type: "head",
        head: {
          status: 200,
          reason: "OK",
          minorVersion: 1,
          headers: { connection: "Upgrade, CLOSE", "content-length": "2" },
          setCookie: [],
          keepAlive: false,
          bodyKind: "content-length",
          contentLength: 2
        }
      },
      { type: "body", data: "ok" },
      { type: "complete", trailers: undefined }
    ]
  },
  {
    name: "Transfer-Encoding and Content-Length: chunked wins, connection not reused",
    input: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
    expects: [false],
    events: [
      {
        type: "head",
        head: {
          status: 200,
          reason: "OK",
          minorVersion: 1,
          headers: { "content-length": "100", "transfer-encoding": "chunked" },
          setCookie: [],
          keepAlive: false,
          bodyKind: "chunked",
          contentLength: -1
        }
      },
      { type: "body", data: "ok" },
      { type: "complete", trailers: {} }
    ]
  },
  {
    name: "Transfer-Encoding not ending in chunked is read to the close",
    input: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 3\r\n\r\n\x1f\x8b\x08 and more",
    expects: [false],
    finish: true,
    events: [
      {
        type: "head",
        head: {
          status: 200,
          reason: "OK",
          minorVersion: 1,
          headers: { "transfer-encoding": "gzip", "content-length": "3" },
          setCookie: [],
          keepAlive: false,
          bodyKind: "close-delimited",
          contentLength: -1
        }
      },
      { type: "body", data: "\x1f\x8b\x08 and more" },
      { type: "complete", trailers: undefined },
      { type: "finished" }
    ]
  },
  {
    name: "bare LF line ends, empty lines between responses",
    input: "HTTP/1.1 200 OK\nContent-Length: 2\n\nok\r\n\nHTTP/1.1 200 \r\nContent-Length: 1\r\n\r\n!",
    expects: [false, false],
    events: [
      {
        type: "head",
        head: {
          status: 200,
          reason: "OK",
          minorVersion: 1,
          headers: { "content-length": "2" },
          setCookie: [],
          keepAlive: true,
          bodyKind: "content-length",
          contentLength: 2
        }
      },
      { type: "body", data: "ok" },
      { type: "complete", trailers: undefined },
      {
        type: "head",
        head: {
          status: 200,
          reason: "",
          minorVersion: 1,
          headers: { "content-length": "1" },
          setCookie: [],
          keepAlive: true,
          bodyKind: "content-length",
          contentLength: 1
        }
      },
      { type: "body", data: "!" },
      { type: "complete", trailers: undefined }
    ]
  },
  {
    name: "status line without reason, identical Content-Length values",
    input: "HTTP/1.1 200\r\nContent-Length: 5, 5\r\ncontent-length: 005\r\n\r\nabcde",
    expects: [false],
    events: [
      {
        type: "head",
        head: {
          status: 200,
          reason: "",
          minorVersion: 1,
          headers: { "content-length": "5, 5, 005" },
          setCookie: [],
          keepAlive: true,
          bodyKind: "content-length",
          contentLength: 5
        }
      },
      { type: "body", data: "abcde" },
      { type: "complete", trailers: undefined }
    ]
  },
  {
    name: "values trimmed of OWS, obs-text kept, prototype-like names",
    input:
      "HTTP/1.1 599 Custom \xe9tat\r\nX-Spaced: \t a  b \t\r\nX-Empty:\r\nX-Latin: caf\xe9\r\n" +
      "__proto__: p\r\nconstructor: c\r\nX-Custom-THING: Mixed\r\nContent-Length: 0\r\n\r\n",
    expects: [false],
    events: [
      {
        type: "head",
        head: {
          status: 599,
          reason: "Custom \xe9tat",
          minorVersion: 1,
          headers: {
            "x-spaced": "a  b",
            "x-empty": "",
            "x-latin": "caf\xe9",
            ["__proto__"]: "p",
            constructor: "c",
            "x-custom-thing": "Mixed",
            "content-length": "0"
          },
          setCookie: [],
          keepAlive: true,
          bodyKind: "content-length",
          contentLength: 0
        }
      },
      { type: "complete", trailers: undefined }
    ]
  }
]

const ok = "HTTP/1.1 200 OK\r\n"

export const malformed: ReadonlyArray<MalformedCase> = [
  {
    name: "missing status code",
    input: "HTTP/1.1 OK\r\n\r\n",
    expects: [false],
    reason: "InvalidStatusLine"
  },
  { name: "not HTTP", input: "ICY 200 OK\r\n\r\n", expects: [false], reason: "InvalidStatusLine" },
  {
    name: "lower-case protocol name",
    input: "http/1.1 200 OK\r\n\r\n",
    expects: [false],
    reason: "InvalidStatusLine"
  },
  {
    name: "two-digit status",
    input: "HTTP/1.1 20 OK\r\n\r\n",
    expects: [false],
    reason: "InvalidStatusLine"
  },
  {
    name: "four-digit status",
    input: "HTTP/1.1 2000 OK\r\n\r\n",
    expects: [false],
    reason: "InvalidStatusLine"
  },
  {
    name: "status below 100",
    input: "HTTP/1.1 099 Odd\r\n\r\n",
    expects: [false],
    reason: "InvalidStatusLine"
  },
  {
    name: "two spaces before status",
    input: "HTTP/1.1  200 OK\r\n\r\n",
    expects: [false],
    reason: "InvalidStatusLine"
  },
  {
    name: "NUL in reason",
    input: "HTTP/1.1 200 O\x00K\r\n\r\n",
    expects: [false],
    reason: "InvalidStatusLine"
  },
  { name: "HTTP/2.0", input: "HTTP/2.0 200 OK\r\n\r\n", expects: [false], reason: "InvalidVersion" },
  { name: "HTTP/1.2", input: "HTTP/1.2 200 OK\r\n\r\n", expects: [false], reason: "InvalidVersion" },
  { name: "HTTP/0.9", input: "HTTP/0.9 200 OK\r\n\r\n", expects: [false], reason: "InvalidVersion" },
  {
    name: "malformed version",
    input: "HTTP/1.1x 200 OK\r\n\r\n",
    expects: [false],
    reason: "InvalidVersion"
  },
  { name: "short version", input: "HTTP/1\r\n\r\n", expects: [false], reason: "InvalidVersion" },
  { name: "CR in header value", input: ok + "X-A: a\rb\r\n\r\n", expects: [false], reason: "BareCR" },
  {
    name: "bare CR ending a header line",
    input: ok + "X-A: a\rX-B: b\r\n\r\n",
    expects: [false],
    reason: "BareCR"
  },
  { name: "bare CR in status line", input: "HTTP/1.1 200 OK\rX\r\n\r\n", expects: [false], reason: "BareCR" },
  { name: "bare CR in a status code", input: "HTTP/1.1 2\r0 OK\r\n\r\n", expects: [false], reason: "BareCR" },
  {
    name: "bare CR ending the head",
    input: ok + "Content-Length: 0\r\n\r\r\n",
    expects: [false],
    reason: "BareCR"
  },
  { name: "bare CR in a field name", input: ok + "X\rA: 1\r\n\r\n", expects: [false], reason: "BareCR" },
  {
    name: "bare CR between responses",
    input: ok + "Content-Length: 0\r\n\r\n\rHTTP/1.1 200 OK\r\n\r\n",
    expects: [false, false],
    reason: "BareCR"
  },
  {
    name: "NUL in header value",
    input: ok + "X-A: a\x00b\r\n\r\n",
    expects: [false],
    reason: "InvalidHeaderValue"
  },
  {
    name: "DEL in header value",
    input: ok + "X-A: a\x7fb\r\n\r\n",
    expects: [false],
    reason: "InvalidHeaderValue"
  },
  {
    name: "space before colon",
    input: ok + "X-A : 1\r\n\r\n",
    expects: [false],
    reason: "InvalidHeaderName"
  },
  { name: "no colon", input: ok + "X-A 1\r\n\r\n", expects: [false], reason: "InvalidHeaderName" },
  { name: "empty name", input: ok + ": 1\r\n\r\n", expects: [false], reason: "InvalidHeaderName" },
  { name: "non-token name", input: ok + "X(A): 1\r\n\r\n", expects: [false], reason: "InvalidHeaderName" },
  { name: "obs-fold", input: ok + "X-A: 1\r\n  continued\r\n\r\n", expects: [false], reason: "ObsFold" },
  {
    name: "obs-fold with a tab",
    input: ok + "X-A: 1\r\n\tcontinued\r\n\r\n",
    expects: [false],
    reason: "ObsFold"
  },
  {
    name: "conflicting Content-Length fields",
    input: ok + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
    expects: [false],
    reason: "ConflictingContentLength"
  },
  {
    name: "conflicting Content-Length list",
    input: ok + "Content-Length: 5, 6\r\n\r\nhello!",
    expects: [false],
    reason: "ConflictingContentLength"
  },
  {
    name: "negative Content-Length",
    input: ok + "Content-Length: -1\r\n\r\n",
    expects: [false],
    reason: "InvalidContentLength"
  },
  {
    name: "signed Content-Length",
    input: ok + "Content-Length: +1\r\n\r\n",
    expects: [false],
    reason: "InvalidContentLength"
  },
  {
    name: "non-numeric Content-Length",
    input: ok + "Content-Length: abc\r\n\r\n",
    expects: [false],
    reason: "InvalidContentLength"
  },
  {
    name: "exponent Content-Length",
    input: ok + "Content-Length: 1e3\r\n\r\n",
    expects: [false],
    reason: "InvalidContentLength"
  },
  {
    name: "empty Content-Length",
    input: ok + "Content-Length:\r\n\r\n",
    expects: [false],
    reason: "InvalidContentLength"
  },
  {
    name: "Content-Length over 2^53",
    input: ok + "Content-Length: 9007199254740992\r\n\r\n",
    expects: [false],
    reason: "InvalidContentLength"
  },
  {
    name: "huge Content-Length",
    input: ok + "Content-Length: 99999999999999999999999999999999\r\n\r\n",
    expects: [false],
    reason: "InvalidContentLength"
  },
  {
    name: "chunked not last",
    input: ok + "Transfer-Encoding: chunked, gzip\r\n\r\n",
    expects: [false],
    reason: "InvalidTransferEncoding"
  },
  {
    name: "chunked twice",
    input: ok + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
    expects: [false],
    reason: "InvalidTransferEncoding"
  },
  {
    name: "empty Transfer-Encoding",
    input: ok + "Transfer-Encoding: ,\r\n\r\n",
    expects: [false],
    reason: "InvalidTransferEncoding"
  },
  {
    name: "invalid coding",
    input: ok + "Transfer-Encoding: gz/ip, chunked\r\n\r\n",
    expects: [false],
    reason: "InvalidTransferEncoding"
  },
  ...(
    [
      ["negative chunk size", "-5\r\nhello\r\n0\r\n\r\n", "InvalidChunkSize"],
      ["non-hex chunk size", "xyz\r\n", "InvalidChunkSize"],
      ["hex prefix", "0x5\r\nhello\r\n0\r\n\r\n", "InvalidChunkSize"],
      ["non-hex after digits", "5g\r\nhello\r\n0\r\n\r\n", "InvalidChunkSize"],
      ["empty chunk size", "\r\nhello\r\n0\r\n\r\n", "InvalidChunkSize"],
      ["chunk size ended by bare LF", "5\nhello\r\n0\r\n\r\n", "InvalidChunkSize"],
      ["garbage after chunk-size whitespace", "5 x\r\nhello\r\n0\r\n\r\n", "InvalidChunkSize"],
      ["17 hex digits", "00000000000000005\r\nhello\r\n0\r\n\r\n", "InvalidChunkSize"],
      ["chunk size of 2^53", "20000000000000\r\n", "ChunkTooLarge"],
      ["huge chunk size", "FFFFFFFFFFFFFFFFFFFFFFFF\r\n", "ChunkTooLarge"],
      ["chunk data longer than its size", "5\r\nhello!\r\n0\r\n\r\n", "InvalidChunk"],
      ["chunk data not followed by LF", "5\r\nhello\rX0\r\n\r\n", "InvalidChunk"],
      ["CR without LF after chunk size", "5\rhello\r\n0\r\n\r\n", "InvalidChunk"],
      ["control byte in chunk extension", "5;a=\x01\r\nhello\r\n0\r\n\r\n", "InvalidChunk"],
      ["obs-fold in trailers", "0\r\nX-T: 1\r\n folded\r\n\r\n", "ObsFold"],
      ["bad trailer name", "0\r\nX T: 1\r\n\r\n", "InvalidHeaderName"]
    ] as const
  ).map(([name, body, reason]): MalformedCase => ({
    name,
    input: ok + "Transfer-Encoding: chunked\r\n\r\n" + body,
    expects: [false],
    reason
  })),
  {
    name: "truncated chunked body",
    input: ok + "Transfer-Encoding: chunked\r\n\r\n5\r\nhel",
    expects: [false],
    finish: true,
    reason: "TruncatedBody"
  },
  {
    name: "truncated before the last chunk",
    input: ok + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
    expects: [false],
    finish: true,
    reason: "TruncatedBody"
  },
  {
    name: "truncated trailer section",
    input: ok + "Transfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\r\n",
    expects: [false],
    finish: true,
    reason: "TruncatedBody"
  },
  {
    name: "truncated content-length body",
    input: ok + "Content-Length: 10\r\n\r\nhello",
    expects: [false],
    finish: true,
    reason: "TruncatedBody"
  },
  {
    name: "truncated head",
    input: ok + "Content-Le",
    expects: [false],
    finish: true,
    reason: "TruncatedHead"
  },
  {
    name: "closed after an interim response",
    input: "HTTP/1.1 100 Continue\r\n\r\n",
    expects: [false],
    finish: true,
    reason: "TruncatedHead"
  },
  {
    name: "header section over the limit",
    input: ok + "X-A: " + "a".repeat(40) + "\r\nX-B: b\r\n\r\n",
    expects: [false],
    limits: { maxHeaderBytes: 64 },
    reason: "HeaderTooLarge"
  },
  {
    name: "header section that never ends",
    input: ok + "X-A: 1\r\n".repeat(20),
    expects: [false],
    limits: { maxHeaderBytes: 100 },
    reason: "HeaderTooLarge"
  },
  {
    name: "header line that never ends",
    input: ok + "X-A: " + "a".repeat(200),
    expects: [false],
    limits: { maxHeaderBytes: 100 },
    reason: "HeaderTooLarge"
  },
  {
    name: "trailer section over the limit",
    input: ok + "Transfer-Encoding: chunked\r\n\r\n0\r\nX-T: " + "t".repeat(80) + "\r\n\r\n",
    expects: [false],
    limits: { maxHeaderBytes: 64 },
    reason: "HeaderTooLarge"
  },
  {
    name: "chunk extension over the limit",
    input: ok + "Transfer-Encoding: chunked\r\n\r\n5;" + "e".repeat(80) + "\r\nhello\r\n0\r\n\r\n",
    expects: [false],
    limits: { maxHeaderBytes: 64 },
    reason: "InvalidChunk"
  },
  {
    name: "too many headers",
    input: ok + "A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n",
    expects: [false],
    limits: { maxHeaderCount: 3 },
    reason: "TooManyHeaders"
  },
  {
    name: "too many trailers",
    input: ok + "Transfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n",
    expects: [false],
    limits: { maxHeaderCount: 3 },
    reason: "TooManyHeaders"
  },
  { name: "bytes when nothing is expected", input: ok + "\r\n", expects: [], reason: "UnsolicitedResponse" },
  {
    name: "a stray CRLF when nothing is expected",
    input: "\r\n",
    expects: [],
    reason: "UnsolicitedResponse"
  },
  {
    name: "a second response to one request",
    input: ok + "Content-Length: 1\r\n\r\nA" + ok + "Content-Length: 1\r\n\r\nB",
    expects: [false],
    reason: "UnsolicitedResponse"
  },
  {
    name: "bytes after a body longer than its Content-Length",
    input: ok + "Content-Length: 2\r\n\r\nokay",
    expects: [false],
    reason: "UnsolicitedResponse"
  },
  {
    name: "a response after Connection: close",
    input: ok + "Connection: close\r\nContent-Length: 1\r\n\r\nA" + ok + "Content-Length: 1\r\n\r\nB",
    expects: [false, false],
    reason: "UnsolicitedResponse"
  },
  // One wrong byte each, so that no check of the status line stands in for another.
  ...["XTTP", "HXTP", "HTXP", "HTTX"].map((prefix): MalformedCase => ({
    name: `status line starting "${prefix}/"`,
    input: `${prefix}/1.1 200 OK\r\n\r\n`,
    expects: [false],
    reason: "InvalidStatusLine"
  })),
  {
    name: "no slash after HTTP",
    input: "HTTPX1.1 200 OK\r\n\r\n",
    expects: [false],
    reason: "InvalidStatusLine"
  },
  { name: "nothing after HTTP/", input: "HTTP/\r\n\r\n", expects: [false], reason: "InvalidVersion" },
  {
    name: "version without a minor digit",
    input: "HTTP/1.\r\n\r\n",
    expects: [false],
    reason: "InvalidVersion"
  },
  {
    name: "version and nothing else",
    input: "HTTP/1.1\r\n\r\n",
    expects: [false],
    reason: "InvalidStatusLine"
  },
  {
    name: "letter for the major version",
    input: "HTTP/x.1 200 OK\r\n\r\n",
    expects: [false],
    reason: "InvalidVersion"
  },
  {
    name: "no dot in the version",
    input: "HTTP/1x1 200 OK\r\n\r\n",
    expects: [false],
    reason: "InvalidVersion"
  },
  {
    name: "letter for the minor version",
    input: "HTTP/1.x 200 OK\r\n\r\n",
    expects: [false],
    reason: "InvalidVersion"
  },
  {
    name: "letter in the status code",
    input: "HTTP/1.1 2x0 OK\r\n\r\n",
    expects: [false],
    reason: "InvalidStatusLine"
  },
  {
    name: "status line of a second response not starting with HTTP/",
    input: ok + "Content-Length: 0\r\n\r\nHTTP\r\n\r\n",
    expects: [false, false],
    reason: "InvalidStatusLine"
  },
  {
    name: "a Content-Length of 0, then another",
    input: ok + "Content-Length: 0\r\nContent-Length: 5\r\n\r\nhello",
    expects: [false],
    reason: "ConflictingContentLength"
  }
]
