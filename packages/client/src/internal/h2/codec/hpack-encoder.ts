/**
 * The HPACK encoder (RFC 7541 §6) of one connection.
 *
 * Per field it picks the smallest safe representation: an index when the
 * static or dynamic table holds the field; otherwise a literal, added to the
 * dynamic table unless the field is one whose values rarely repeat. Fields
 * carrying credentials are always sent as never-indexed literals (§7.1.3),
 * so that neither this table nor an intermediary's can leak them through a
 * compression-ratio attack. A string is Huffman-coded when that is shorter.
 *
 * Names must be lower case (RFC 9113 §8.2.1); names and values are latin1
 * strings, one character per octet, as the decoder returns them.
 *
 * @internal
 */
import { DynamicTable, ENTRY_OVERHEAD } from "./hpack-dynamic-table.js"
import { DEFAULT_HEADER_TABLE_SIZE } from "./hpack-decoder.js"
import { encodeInteger } from "./hpack-integer.js"
import { staticLookup } from "./hpack-static-table.js"
import { huffmanEncode, huffmanLength } from "./huffman.js"

/** Fields sent as never-indexed literals. */
const NEVER_INDEXED: ReadonlySet<string> = new Set([
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie"
])

/** Fields whose values rarely repeat: indexing them would only evict useful entries. */
const NOT_INDEXED: ReadonlySet<string> = new Set([
  ":path",
  "content-length",
  "content-range",
  "date",
  "etag",
  "if-modified-since",
  "if-none-match",
  "last-modified",
  "location",
  "range",
  "x-request-id"
])

/**
 * Choices of the encoder.
 *
 * @internal
 */
export interface HpackEncoderOptions {
  /**
   * The most dynamic table the encoder will use, whatever the peer allows.
   * Default 4096 (the protocol's initial size).
   */
  readonly maxTableSize?: number
  /** Whether to Huffman-code strings when that is shorter. Default true. */
  readonly huffman?: boolean
}

/**
 * Encodes the field blocks of one connection, keeping its dynamic table in step with the peer's decoder.
 *
 * @internal
 */
export class HpackEncoder {
  private readonly cap: number
  private readonly huffman: boolean
  private readonly table: DynamicTable
  /** The smallest size set since the last block, when a size update is due (§4.2), else -1. */
  private pendingMin = -1
  private out = new Uint8Array(1024)

  constructor(options?: HpackEncoderOptions) {
    this.cap = options?.maxTableSize ?? DEFAULT_HEADER_TABLE_SIZE
    this.huffman = options?.huffman ?? true
    this.table = new DynamicTable(DEFAULT_HEADER_TABLE_SIZE, true)
    this.setPeerTableSize(DEFAULT_HEADER_TABLE_SIZE)
  }

  /** The dynamic table's current size in octets. */
  get tableSize(): number {
    return this.table.size
  }

  /** Applies the peer's SETTINGS_HEADER_TABLE_SIZE; the change is signalled at the start of the next block. */
  setPeerTableSize(peerMax: number): void {
    const size = Math.min(peerMax, this.cap)
    if (size === this.table.maxSize && this.pendingMin < 0) return
    this.pendingMin = this.pendingMin < 0 ? size : Math.min(this.pendingMin, size)
    this.table.setMaxSize(size)
  }

  /**
   * Encodes a header list `[name0, value0, name1, value1, …]` into a field
   * block. The result is a view into the encoder's buffer, valid until the
   * next call.
   */
  encode(headers: ReadonlyArray<string>): Uint8Array {
    this.ensure(headers)
    const out = this.out
    let at = 0
    if (this.pendingMin >= 0) {
      // A shrink then a growth between two blocks needs both updates (§4.2).
      if (this.pendingMin < this.table.maxSize) at = encodeInteger(out, at, this.pendingMin, 5, 0x20)
      at = encodeInteger(out, at, this.table.maxSize, 5, 0x20)
      this.pendingMin = -1
    }
    for (let i = 0; i + 1 < headers.length; i += 2) {
      at = this.field(out, at, headers[i]!, headers[i + 1]!)
    }
    return out.subarray(0, at)
  }

  private field(out: Uint8Array, at: number, name: string, value: string): number {
    const found = staticLookup(name, value)
    if (NEVER_INDEXED.has(name)) {
      const nameIndex = found !== 0 ? Math.abs(found) : Math.abs(this.table.find(name, value))
      return this.literal(out, at, 0x10, 4, nameIndex, name, value)
    }
    if (found > 0) return encodeInteger(out, at, found, 7, 0x80)
    const dynamic = this.table.find(name, value)
    if (dynamic > 0) return encodeInteger(out, at, dynamic, 7, 0x80)
    const nameIndex = found < 0 ? -found : -dynamic
    const size = name.length + value.length + ENTRY_OVERHEAD
    if (NOT_INDEXED.has(name) || size > (this.table.maxSize * 3) / 4) {
      return this.literal(out, at, 0x00, 4, nameIndex, name, value)
    }
    at = this.literal(out, at, 0x40, 6, nameIndex, name, value)
    this.table.add(name, value)
    return at
  }

  private literal(
    out: Uint8Array,
    at: number,
    flags: number,
    prefixBits: number,
    nameIndex: number,
    name: string,
    value: string
  ): number {
    at = encodeInteger(out, at, nameIndex, prefixBits, flags)
    if (nameIndex === 0) at = this.string(out, at, name)
    return this.string(out, at, value)
  }

  private string(out: Uint8Array, at: number, s: string): number {
    if (this.huffman) {
      const length = huffmanLength(s)
      if (length < s.length) return huffmanEncode(s, out, encodeInteger(out, at, length, 7, 0x80))
    }
    at = encodeInteger(out, at, s.length, 7, 0)
    for (let i = 0; i < s.length; i++) out[at++] = s.charCodeAt(i)
    return at
  }

  /** Grows the buffer to hold the worst case of `headers`: every string literal, each integer at most 6 octets and a representation octet. */
  private ensure(headers: ReadonlyArray<string>): void {
    let worst = 12
    for (let i = 0; i < headers.length; i++) worst += headers[i]!.length + 7
    if (worst > this.out.length) this.out = new Uint8Array(Math.max(worst, this.out.length * 2))
  }
}
