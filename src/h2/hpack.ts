// HPACK (RFC 7541): the header-block decoder and encoder, one of each per HTTP/2 connection.
// Strings are byte strings: one char per octet (latin1), as node:http2 hands them over, so a
// string's length is its octet count and table sizes agree with the peer's.
import { Buffer } from "node:buffer";
import { decodeInt, encodeInt } from "./hpack-int.ts";
import { STATIC_BY_NAME, STATIC_LENGTH, STATIC_TABLE } from "./hpack-static.ts";
import { huffmanDecodeInto, huffmanEncode, huffmanEncodedLength } from "./huffman.ts";
import type { HeaderList } from "./types.ts";

export type HpackDecodeResult =
  | { ok: true; headers: HeaderList }
  // the dynamic table is still in step with the peer: a stream error is enough; `tooLarge` when
  // the reason is the list's size (a server answers 431 rather than resetting the stream)
  | { ok: false; fatal: false; tooLarge: boolean; error: string }
  // COMPRESSION_ERROR: the connection must close
  | { ok: false; fatal: true; error: string };

/** RFC 7541 §4.1: every entry costs its name and value octets plus 32. */
const ENTRY_OVERHEAD = 32;
const DEFAULT_TABLE_SIZE = 4096;
/** SETTINGS_MAX_HEADER_LIST_SIZE is unlimited by default in RFC 9113; a decoder needs some bound. */
const DEFAULT_MAX_HEADER_LIST_SIZE = 65536;

// What is wrong with a field by RFC 9113 §8.2.1 (a malformed message, so a stream error). Kept per
// dynamic-table entry, because a later reference to the entry is just as malformed.
const NAME_UPPERCASE = 1;
const NAME_INVALID = 2;
const VALUE_INVALID = 4;
const NAME_FLAGS = NAME_UPPERCASE | NAME_INVALID;

function fieldError(flags: number, name: string): string {
  if (flags & NAME_UPPERCASE) return `header name ${JSON.stringify(name)} has uppercase letters (RFC 9113 §8.2.1)`;
  if (flags & NAME_INVALID) return `header name ${JSON.stringify(name)} is empty or has a character outside visible ASCII`;
  return `header ${JSON.stringify(name)} has a value with NUL, CR or LF`;
}

function nameFlags(b: Uint8Array, start: number, end: number): number {
  if (start === end) return NAME_INVALID;
  let flags = 0;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c >= 0x41 && c <= 0x5a) flags |= NAME_UPPERCASE;
    else if (c <= 0x20 || c >= 0x7f) flags |= NAME_INVALID;
  }
  return flags;
}

// Leading and trailing whitespace (also forbidden by §8.2.1) is let through, as Go's server does:
// it is harmless here because nothing is forwarded over HTTP/1.1; NUL, CR and LF are not.
function valueFlags(b: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c === 0 || c === 0x0a || c === 0x0d) return VALUE_INVALID;
  }
  return 0;
}

// Copying a short string's octets into one reused Buffer is cheaper than making a Buffer view per
// string (measured on Bun: ~70 ns against ~130 ns for 8-20 octets).
const SCRATCH = Buffer.allocUnsafe(64);
function latin1(b: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n <= SCRATCH.length) {
    for (let i = 0; i < n; i++) SCRATCH[i] = b[start + i]!;
    return SCRATCH.toString("latin1", 0, n);
  }
  return Buffer.from(b.buffer, b.byteOffset + start, n).toString("latin1");
}

/** The dynamic table (RFC 7541 §2.3.2): a ring, index 1 the newest entry. `inserted` counts every
 *  entry ever added, so an entry's sequence number (inserted - index) does not move as others come. */
class DynamicTable {
  names: string[] = new Array(16);
  values: string[] = new Array(16);
  sizes: number[] = new Array(16);
  flags: number[] = new Array(16);
  private mask = 15;
  private start = 0;
  count = 0;
  size = 0;
  inserted = 0;

  constructor(public maxSize: number, private readonly onEvict?: (name: string, value: string, seq: number) => void) {}

  /** Ring position of 1-based dynamic index `i` (1..count). */
  pos(i: number): number { return (this.start + this.count - i) & this.mask; }

  /** §4.4: an entry larger than the table empties it and is not added. */
  add(name: string, value: string, size: number, flags: number): boolean {
    if (size > this.maxSize) { while (this.count > 0) this.evict(); return false; }
    while (this.size + size > this.maxSize) this.evict();
    if (this.count > this.mask) this.grow();
    const p = (this.start + this.count) & this.mask;
    this.names[p] = name; this.values[p] = value; this.sizes[p] = size; this.flags[p] = flags;
    this.count++; this.size += size; this.inserted++;
    return true;
  }

  setMaxSize(size: number): void {
    this.maxSize = size;
    while (this.size > size) this.evict();
  }

  /** Newest first. */
  entries(): HeaderList {
    const out: HeaderList = [];
    for (let i = 1; i <= this.count; i++) { const p = this.pos(i); out.push([this.names[p]!, this.values[p]!]); }
    return out;
  }

  private evict(): void {
    const p = this.start;
    this.onEvict?.(this.names[p]!, this.values[p]!, this.inserted - this.count);
    this.size -= this.sizes[p]!;
    this.names[p] = ""; this.values[p] = "";
    this.start = (p + 1) & this.mask;
    this.count--;
  }

  private grow(): void {
    const cap = (this.mask + 1) * 2;
    const names = new Array<string>(cap), values = new Array<string>(cap), sizes = new Array<number>(cap), flags = new Array<number>(cap);
    for (let i = 0; i < this.count; i++) {
      const p = (this.start + i) & this.mask;
      names[i] = this.names[p]!; values[i] = this.values[p]!; sizes[i] = this.sizes[p]!; flags[i] = this.flags[p]!;
    }
    this.names = names; this.values = values; this.sizes = sizes; this.flags = flags;
    this.mask = cap - 1; this.start = 0;
  }
}

const fatal = (error: string): HpackDecodeResult => ({ ok: false, fatal: true, error: `HPACK: ${error}` });

export class HpackDecoder {
  private readonly table: DynamicTable;
  // The last string read by readString (a field rather than a returned object: no allocation per string).
  private str = "";
  private strFlags = 0;

  /** maxTableSize: the SETTINGS_HEADER_TABLE_SIZE we advertised (default 4096); maxHeaderListSize: decoded
   *  size limit (sum of name+value+32 per field, RFC 9113 §6.5.2). */
  constructor(private readonly maxTableSize = DEFAULT_TABLE_SIZE, private readonly maxHeaderListSize = DEFAULT_MAX_HEADER_LIST_SIZE) {
    this.table = new DynamicTable(maxTableSize);
  }

  /** Octets the dynamic table holds now, and the most it may hold (the peer's last size update). */
  get tableSize(): number { return this.table.size; }
  get tableMaxSize(): number { return this.table.maxSize; }
  /** The dynamic table, newest entry first (for tests and diagnostics). */
  tableEntries(): HeaderList { return this.table.entries(); }

  decode(block: Uint8Array): HpackDecodeResult {
    const table = this.table;
    const headers: HeaderList = [];
    const end = block.length;
    let at = 0;
    let listSize = 0;
    let sawField = false;
    // The first stream-level problem; decoding goes on to the end so the table stays in step.
    let streamError = "";
    let tooLarge = false;
    while (at < end) {
      const b = block[at]!;
      let name: string, value: string, flags: number;
      if (b >= 0x80) { // §6.1 indexed field
        let index = b & 0x7f;
        if (index < 0x7f) at++;
        else { const r = decodeInt(block, at, 7); if (!r.ok) return fatal(r.error); index = r.value; at = r.next; }
        if (index === 0) return fatal("indexed field with index 0");
        if (index <= STATIC_LENGTH) { const e = STATIC_TABLE[index - 1]!; name = e[0]; value = e[1]; flags = 0; }
        else {
          const d = index - STATIC_LENGTH;
          if (d > table.count) return fatal(`index ${index} is past the end of the dynamic table (${table.count} entries)`);
          const p = table.pos(d);
          name = table.names[p]!; value = table.values[p]!; flags = table.flags[p]!;
        }
      } else if (b >= 0x40 || b < 0x20) { // §6.2 literal: 01 with incremental indexing, 0000 without, 0001 never
        const indexing = b >= 0x40;
        const prefixMask = indexing ? 0x3f : 0x0f;
        let index = b & prefixMask;
        if (index < prefixMask) at++;
        else { const r = decodeInt(block, at, indexing ? 6 : 4); if (!r.ok) return fatal(r.error); index = r.value; at = r.next; }
        if (index === 0) {
          const e = this.readString(block, at, true); if (e < 0) return fatal(this.str);
          at = e; name = this.str; flags = this.strFlags;
        } else if (index <= STATIC_LENGTH) { name = STATIC_TABLE[index - 1]![0]; flags = 0; }
        else {
          const d = index - STATIC_LENGTH;
          if (d > table.count) return fatal(`name index ${index} is past the end of the dynamic table (${table.count} entries)`);
          const p = table.pos(d);
          name = table.names[p]!; flags = table.flags[p]! & NAME_FLAGS;
        }
        const e = this.readString(block, at, false); if (e < 0) return fatal(this.str);
        at = e; value = this.str; flags |= this.strFlags;
        if (indexing) table.add(name, value, name.length + value.length + ENTRY_OVERHEAD, flags);
      } else { // §6.3 dynamic table size update, 001
        if (sawField) return fatal("dynamic table size update after the first field of the block (RFC 7541 §4.2)");
        const r = decodeInt(block, at, 5); if (!r.ok) return fatal(r.error);
        if (r.value > this.maxTableSize) return fatal(`dynamic table size update to ${r.value} is above the ${this.maxTableSize} we advertised`);
        table.setMaxSize(r.value);
        at = r.next;
        continue;
      }
      sawField = true;
      if (flags !== 0 && streamError === "") streamError = fieldError(flags, name);
      listSize += name.length + value.length + ENTRY_OVERHEAD;
      if (listSize <= this.maxHeaderListSize) headers.push([name, value]);
      else if (streamError === "") {
        streamError = `header list is larger than the ${this.maxHeaderListSize} bytes we accept (SETTINGS_MAX_HEADER_LIST_SIZE)`;
        tooLarge = true;
      }
    }
    if (streamError !== "") return { ok: false, fatal: false, tooLarge, error: streamError };
    return { ok: true, headers };
  }

  /** §5.2 string literal at `at`: sets str and strFlags and returns the offset after it, or -1 with the
   *  error in str. */
  private readString(block: Uint8Array, at: number, isName: boolean): number {
    if (at >= block.length) { this.str = "header block ends before a string literal"; return -1; }
    const b = block[at]!;
    let len = b & 0x7f;
    if (len < 0x7f) at++;
    else { const r = decodeInt(block, at, 7); if (!r.ok) { this.str = r.error; return -1; } len = r.value; at = r.next; }
    const end = at + len;
    if (end > block.length) { this.str = `string literal of ${len} octets runs past the end of the header block`; return -1; }
    let bytes = block, start = at, stop = end;
    if (b & 0x80) {
      const h = huffmanDecodeInto(block, at, end);
      if (h.length < 0) { this.str = "invalid Huffman code or padding in a string literal"; return -1; }
      bytes = h.out; start = 0; stop = h.length;
    }
    this.strFlags = isName ? nameFlags(bytes, start, stop) : valueFlags(bytes, start, stop);
    this.str = start === stop ? "" : latin1(bytes, start, stop);
    return end;
  }
}

/** Never indexed (§7.1.3): credentials stay out of every table along the way, and out of reach of
 *  CRIME-style probing of our own table. */
const SENSITIVE = new Set(["authorization", "proxy-authorization", "cookie", "token"]);
/** Larger values are sent without indexing: one would evict most of a 4 KiB table. */
const MAX_INDEXED_VALUE = 1024;

const UTF8 = new TextEncoder();
/** A string's octets: latin1 when every char fits in one, else UTF-8 (never silently truncated). */
function octets(s: string): Uint8Array {
  const n = s.length;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) return UTF8.encode(s);
    out[i] = c;
  }
  return out;
}
function octetLength(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return UTF8.encode(s).length;
  return s.length;
}

/** Per name in the encoder's dynamic table: the newest entry's sequence number, and per value the newest. */
interface DynamicName { latest: number; values: Map<string, number> }

export class HpackEncoder {
  private readonly cap: number;
  private readonly table: DynamicTable;
  private readonly byName = new Map<string, DynamicName>();
  // Size updates owed at the start of the next block (-1: none): the smallest since the last block, then
  // the final one (RFC 7541 §4.2).
  private pendingMin = -1;
  private pendingFinal = -1;
  private readonly out: number[] = [];

  /** maxTableSize: the table size in force at the start (the peer's SETTINGS_HEADER_TABLE_SIZE is 4096
   *  until it says otherwise), and the most this encoder will ever use, whatever the peer allows. */
  constructor(maxTableSize = DEFAULT_TABLE_SIZE) {
    this.cap = maxTableSize;
    this.table = new DynamicTable(maxTableSize, (name, value, seq) => {
      const slot = this.byName.get(name);
      if (!slot) return;
      if (slot.values.get(value) === seq) slot.values.delete(value);
      // The evicted entry is the oldest, so if it is the newest with its name it was the only one.
      if (slot.latest === seq) this.byName.delete(name);
    });
  }

  /** The peer's SETTINGS_HEADER_TABLE_SIZE: the next block starts with a dynamic table size update. */
  setMaxTableSize(size: number): void {
    const s = Math.min(size, this.cap);
    if (this.pendingMin < 0 || s < this.pendingMin) this.pendingMin = s;
    this.pendingFinal = s;
  }

  get tableSize(): number { return this.table.size; }
  /** The dynamic table, newest entry first (for tests and diagnostics). */
  tableEntries(): HeaderList { return this.table.entries(); }

  encode(headers: HeaderList): Uint8Array {
    const out = this.out;
    out.length = 0;
    if (this.pendingFinal >= 0) {
      if (this.pendingMin < this.pendingFinal) { encodeInt(out, this.pendingMin, 5, 0x20); this.table.setMaxSize(this.pendingMin); }
      encodeInt(out, this.pendingFinal, 5, 0x20);
      this.table.setMaxSize(this.pendingFinal);
      this.pendingMin = this.pendingFinal = -1;
    }
    for (let i = 0; i < headers.length; i++) { const h = headers[i]!; this.field(h[0], h[1]); }
    // A plain copy loop: Uint8Array.from(array) costs ~4x as much for the few bytes of a warm block.
    const n = out.length;
    const block = new Uint8Array(n);
    for (let i = 0; i < n; i++) block[i] = out[i]!;
    return block;
  }

  private field(name: string, value: string): void {
    const out = this.out;
    const st = STATIC_BY_NAME.get(name);
    const sti = st?.values.get(value);
    if (sti !== undefined) { encodeInt(out, sti, 7, 0x80); return; }
    const dyn = this.byName.get(name);
    const seq = dyn?.values.get(value);
    if (seq !== undefined) { encodeInt(out, STATIC_LENGTH + this.table.inserted - seq, 7, 0x80); return; }

    const nameIndex = st ? st.index : dyn ? STATIC_LENGTH + this.table.inserted - dyn.latest : 0;
    const nameBytes = nameIndex === 0 ? octets(name) : null;
    const valueBytes = octets(value);
    const nameLen = nameBytes ? nameBytes.length : octetLength(name);
    const size = nameLen + valueBytes.length + ENTRY_OVERHEAD;
    let indexing = false;
    if (SENSITIVE.has(name)) encodeInt(out, nameIndex, 4, 0x10);
    else if (valueBytes.length > MAX_INDEXED_VALUE || size > this.table.maxSize) encodeInt(out, nameIndex, 4, 0);
    else { encodeInt(out, nameIndex, 6, 0x40); indexing = true; }
    if (nameBytes) this.writeString(nameBytes);
    this.writeString(valueBytes);
    if (indexing) this.insert(name, value, size);
  }

  private writeString(bytes: Uint8Array): void {
    const out = this.out;
    const h = huffmanEncodedLength(bytes);
    if (h < bytes.length) {
      encodeInt(out, h, 7, 0x80);
      const coded = huffmanEncode(bytes);
      for (let i = 0; i < coded.length; i++) out.push(coded[i]!);
    } else {
      encodeInt(out, bytes.length, 7, 0);
      for (let i = 0; i < bytes.length; i++) out.push(bytes[i]!);
    }
  }

  private insert(name: string, value: string, size: number): void {
    const seq = this.table.inserted;
    if (!this.table.add(name, value, size, 0)) return;
    let slot = this.byName.get(name);
    if (!slot) { slot = { latest: seq, values: new Map() }; this.byName.set(name, slot); }
    slot.latest = seq;
    slot.values.set(value, seq);
  }
}
