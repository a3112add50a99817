// Keys and values exactly as etcd's benchmark makes them, so both tools write the same data:
// a key is `keySize` zero bytes with Go's binary.PutVarint(index) at the front; the value is one
// random buffer shared by every request.
import { randomBytes } from "node:crypto";

export class KeyGenerator {
  private next = 0;

  constructor(
    private readonly keySize: number,
    private readonly keySpaceSize: number,
    private readonly sequential: boolean,
    private readonly random: () => number = Math.random,
  ) {}

  /** The next key: index i % keySpace in order, or a uniformly random index. */
  key(): Uint8Array {
    const index = this.sequential ? this.next++ % this.keySpaceSize : Math.floor(this.random() * this.keySpaceSize);
    return encodeKey(index, this.keySize);
  }
}

/** Go's binary.PutVarint(buf, int64(index)) into a zeroed buffer of `size` bytes. */
export function encodeKey(index: number, size: number): Uint8Array {
  const buf = new Uint8Array(size);
  // Zig-zag for a non-negative value is just 2n; numbers stay exact up to 2^52.
  let u = index * 2;
  let i = 0;
  while (u >= 128) {
    buf[i++] = (u % 128) | 128;
    u = Math.floor(u / 128);
  }
  buf[i] = u;
  return buf;
}

export function randomValue(size: number): Uint8Array {
  return new Uint8Array(randomBytes(size));
}
