/**
 * The HPACK decoder (RFC 7541 §3, §6) of one connection.
 *
 * It decodes complete field blocks (the connection reassembles HEADERS and
 * CONTINUATION first) into a flat list `[name0, value0, name1, value1, …]`
 * of latin1 strings. Any malformed representation is a COMPRESSION_ERROR,
 * a connection error, since the two tables can no longer agree (§2.3.3,
 * RFC 9113 §4.3).
 *
 * @internal
 */
import { ErrorCode } from "./error-codes.js"
import { connectionError, type H2ConnectionError, type H2StreamError, streamError } from "./errors.js"
import { DynamicTable, ENTRY_OVERHEAD } from "./hpack-dynamic-table.js"
import { MAX_INTEGER } from "./hpack-integer.js"
import { STATIC_TABLE, STATIC_TABLE_LENGTH } from "./hpack-static-table.js"
import { huffmanDecode } from "./huffman.js"

/**
 * A header list: names and values alternating, names lower-case as sent.
 *
 * @internal
 */
export type HeaderList = Array<string>

/**
 * Bounds of the decoder.
 *
 * @internal
 */
export interface HpackDecoderOptions {
  /**
   * Largest header list, counted as RFC 9113 §6.5.2 does (name + value + 32
   * per field): our SETTINGS_MAX_HEADER_LIST_SIZE. Default 65536.
   */
  readonly maxHeaderListSize?: number
}

/** The initial SETTINGS_HEADER_TABLE_SIZE (RFC 9113 §6.5.2). @internal */
export const DEFAULT_HEADER_TABLE_SIZE = 4096

const compression = (reason: string, detail: string): H2ConnectionError =>
  connectionError(ErrorCode.COMPRESSION_ERROR, reason, detail)

const asBuffer = (chunk: Uint8Array): Buffer =>
  Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)

const EMPTY = Buffer.alloc(0)

/**
 * Decodes the field blocks of one connection, keeping its dynamic table in step with the peer's encoder.
 *
 * @internal
 */
export class HpackDecoder {
  private readonly table = new DynamicTable(DEFAULT_HEADER_TABLE_SIZE, false)
  private readonly maxHeaderListSize: number
  /** The largest table size the peer's encoder may choose: our acknowledged SETTINGS_HEADER_TABLE_SIZE. */
  private limit = DEFAULT_HEADER_TABLE_SIZE
  /** The limit dropped below the table's size: the next block must start with a size update (§4.2). */
  private updateRequired = false
  // The block being decoded.
  private buf: Buffer = EMPTY
  private pos = 0
  private failure: H2ConnectionError | undefined = undefined

  constructor(options?: HpackDecoderOptions) {
    this.maxHeaderListSize = options?.maxHeaderListSize ?? 65_536
  }

  /** The dynamic table's current size in octets. */
  get tableSize(): number {
    return this.table.size
  }

  /** The dynamic table's current maximum size in octets. */
  get maxTableSize(): number {
    return this.table.maxSize
  }

  /** Sets the limit once the peer has acknowledged our SETTINGS_HEADER_TABLE_SIZE. */
  setTableSizeLimit(limit: number): void {
    if (limit < this.table.maxSize) this.updateRequired = true
    this.limit = limit
  }

  /**
   * Decodes one complete field block. A list over the size limit is still
   * decoded to the end, to keep the dynamic table in step with the peer's,
   * then reported as a stream error of `streamId`.
   */
  decode(block: Uint8Array, streamId: number): HeaderList | H2ConnectionError | H2StreamError {
    this.buf = asBuffer(block)
    this.pos = 0
    const headers: HeaderList = []
    const end = block.length
    let listSize = 0
    let fieldSeen = false
    while (this.pos < end) {
      const b = this.buf[this.pos]!
      if ((b & 0xe0) === 0x20) {
        if (fieldSeen) return compression("LateSizeUpdate", "dynamic table size update after a field")
        const size = this.integer(5)
        if (size < 0) return this.failure!
        if (size > this.limit) {
          return compression("TableSizeOverLimit", `dynamic table size ${size} over the limit ${this.limit}`)
        }
        this.table.setMaxSize(size)
        this.updateRequired = false
        continue
      }
      if (this.updateRequired) {
        return compression("MissingSizeUpdate", "no dynamic table size update after the limit was lowered")
      }
      fieldSeen = true
      let name: string | undefined
      let value: string | undefined
      if ((b & 0x80) !== 0) {
        const index = this.integer(7)
        if (index < 0) return this.failure!
        name = this.nameAt(index)
        if (name === undefined) return this.failure!
        value =
          index <= STATIC_TABLE_LENGTH
            ? STATIC_TABLE[index - 1]![1]
            : this.table.value(index - STATIC_TABLE_LENGTH)
      } else {
        // 01: with incremental indexing (6-bit prefix); 0000 / 0001: without / never indexed (4-bit).
        const incremental = (b & 0x40) !== 0
        const index = this.integer(incremental ? 6 : 4)
        if (index < 0) return this.failure!
        name = index === 0 ? this.string() : this.nameAt(index)
        if (name === undefined) return this.failure!
        value = this.string()
        if (value === undefined) return this.failure!
        if (incremental) this.table.add(name, value)
      }
      listSize += name.length + value.length + ENTRY_OVERHEAD
      if (listSize <= this.maxHeaderListSize) headers.push(name, value)
    }
    this.buf = EMPTY
    if (listSize > this.maxHeaderListSize) {
      return streamError(
        streamId,
        ErrorCode.CANCEL,
        "HeaderListTooLarge",
        `header list of ${listSize} octets, over the limit ${this.maxHeaderListSize}`
      )
    }
    return headers
  }

  private nameAt(index: number): string | undefined {
    if (index === 0) {
      this.failure = compression("InvalidIndex", "index 0")
      return undefined
    }
    if (index <= STATIC_TABLE_LENGTH) return STATIC_TABLE[index - 1]![0]
    const name = this.table.name(index - STATIC_TABLE_LENGTH)
    if (name === undefined) {
      this.failure = compression(
        "InvalidIndex",
        `index ${index} past the end of a table of ${STATIC_TABLE_LENGTH + this.table.length} entries`
      )
    }
    return name
  }

  /** An integer with an N-bit prefix at `pos` (§5.1), or -1 with `failure` set. */
  private integer(prefixBits: number): number {
    const buf = this.buf
    const max = (1 << prefixBits) - 1
    let value = buf[this.pos++]! & max
    if (value < max) return value
    let shift = 1
    for (;;) {
      if (this.pos >= buf.length) {
        this.failure = compression("Truncated", "field block ends within an integer")
        return -1
      }
      const b = buf[this.pos++]!
      value += (b & 0x7f) * shift
      if (value > MAX_INTEGER) {
        this.failure = compression("IntegerOverflow", "integer over 2^32 - 1")
        return -1
      }
      if ((b & 0x80) === 0) return value
      shift *= 128
      // Zero-valued continuation octets add nothing but are no less an overlong integer.
      if (shift >= 2 ** 35) {
        this.failure = compression("IntegerOverflow", "integer of over 5 continuation octets")
        return -1
      }
    }
  }

  /** A string literal at `pos` (§5.2), or undefined with `failure` set. */
  private string(): string | undefined {
    const buf = this.buf
    if (this.pos >= buf.length) {
      this.failure = compression("Truncated", "field block ends before a string literal")
      return undefined
    }
    const huffman = (buf[this.pos]! & 0x80) !== 0
    const length = this.integer(7)
    if (length < 0) return undefined
    const start = this.pos
    if (length > buf.length - start) {
      this.failure = compression("Truncated", `string literal of ${length} octets past the end of the block`)
      return undefined
    }
    this.pos = start + length
    if (!huffman) return buf.toString("latin1", start, this.pos)
    const s = huffmanDecode(buf, start, this.pos)
    if (s === undefined) this.failure = compression("InvalidHuffman", "invalid Huffman code or padding")
    return s
  }
}
