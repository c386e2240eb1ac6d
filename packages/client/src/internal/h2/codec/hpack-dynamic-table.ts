/**
 * The HPACK dynamic table (RFC 7541 §2.3.2, §4): a FIFO of header fields
 * bounded by a size in octets, newest first.
 *
 * Entries live in a ring indexed by insertion number, so an insertion or an
 * eviction moves nothing. The encoder's copy also keeps maps from name and
 * value to insertion number, to find what it can refer to.
 *
 * Names and values are latin1 strings: one character is one octet.
 *
 * @internal
 */
import { STATIC_TABLE_LENGTH } from "./hpack-static-table.js"

/** The overhead RFC 7541 §4.1 adds to each entry's name and value lengths. @internal */
export const ENTRY_OVERHEAD = 32

interface NameIndex {
  /** Insertion number of the newest entry with this name. */
  latest: number
  /** Insertion number of the newest entry with this name and each value. */
  readonly values: Map<string, number>
}

/**
 * An HPACK dynamic table: entries newest first, evicted oldest first to stay within a size.
 *
 * @internal
 */
export class DynamicTable {
  private names: Array<string> = new Array<string>(16)
  private values: Array<string> = new Array<string>(16)
  private mask = 15
  /** Entries ever inserted; the newest has number `inserted - 1`. */
  private inserted = 0
  private count = 0
  private octets = 0
  private maxOctets: number
  private readonly byName: Map<string, NameIndex> | undefined

  /**
   * @param maxSize the initial maximum size in octets
   * @param searchable whether to keep the maps `find` needs (the encoder's copy)
   */
  constructor(maxSize: number, searchable: boolean) {
    this.maxOctets = maxSize
    this.byName = searchable ? new Map() : undefined
  }

  /** Current size in octets, overhead included. */
  get size(): number {
    return this.octets
  }

  get maxSize(): number {
    return this.maxOctets
  }

  get length(): number {
    return this.count
  }

  /** Name of dynamic entry `k` (1 = newest), or undefined past the end. */
  name(k: number): string | undefined {
    return k >= 1 && k <= this.count ? this.names[(this.inserted - k) & this.mask] : undefined
  }

  /** Value of dynamic entry `k`; only meaningful when `name(k)` is defined. */
  value(k: number): string {
    return this.values[(this.inserted - k) & this.mask]!
  }

  /** Changes the maximum size, evicting from the oldest end to fit (§4.3). */
  setMaxSize(maxSize: number): void {
    this.maxOctets = maxSize
    this.evictTo(maxSize)
  }

  /** Inserts a field, first evicting what it takes; a field larger than the table empties it (§4.4). */
  add(name: string, value: string): void {
    const size = name.length + value.length + ENTRY_OVERHEAD
    if (size > this.maxOctets) {
      this.evictTo(0)
      return
    }
    this.evictTo(this.maxOctets - size)
    if (this.count === this.names.length) this.grow()
    const id = this.inserted++
    this.names[id & this.mask] = name
    this.values[id & this.mask] = value
    this.count++
    this.octets += size
    if (this.byName !== undefined) {
      const index = this.byName.get(name)
      if (index === undefined) this.byName.set(name, { latest: id, values: new Map([[value, id]]) })
      else {
        index.latest = id
        index.values.set(value, id)
      }
    }
  }

  /**
   * The HPACK index (static entries first) of an entry holding `name: value`
   * as a positive number, else minus the index of one holding `name`, else
   * 0. Only on a searchable table.
   */
  find(name: string, value: string): number {
    const index = this.byName?.get(name)
    if (index === undefined) return 0
    const full = index.values.get(value)
    if (full !== undefined) return STATIC_TABLE_LENGTH + this.inserted - full
    return -(STATIC_TABLE_LENGTH + this.inserted - index.latest)
  }

  private evictTo(maxSize: number): void {
    while (this.octets > maxSize) {
      const id = this.inserted - this.count
      const slot = id & this.mask
      const name = this.names[slot]!
      const value = this.values[slot]!
      this.octets -= name.length + value.length + ENTRY_OVERHEAD
      this.count--
      // Drop the references so evicted strings can be collected.
      this.names[slot] = ""
      this.values[slot] = ""
      const index = this.byName?.get(name)
      if (index !== undefined) {
        if (index.values.get(value) === id) index.values.delete(value)
        // Eviction goes oldest first, so the newest entry with the name is the last to go.
        if (index.latest === id) this.byName!.delete(name)
      }
    }
  }

  private grow(): void {
    const capacity = this.names.length * 2
    const names = new Array<string>(capacity)
    const values = new Array<string>(capacity)
    for (let k = this.count; k >= 1; k--) {
      const id = this.inserted - k
      names[id & (capacity - 1)] = this.names[id & this.mask]!
      values[id & (capacity - 1)] = this.values[id & this.mask]!
    }
    this.names = names
    this.values = values
    this.mask = capacity - 1
  }
}
