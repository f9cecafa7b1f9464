/** CRC-32C (Castagnoli), reflected polynomial. */
const POLYNOMIAL = 0x82f63b78;

/**
 * Eight tables for slicing-by-8: eight bytes per step instead of one, about twice as fast in
 * JavaScript as the byte-at-a-time table the Cloud Storage client ships (the server hashes
 * every byte it stores).
 */
const TABLES = (() => {
  const tables = Array.from({ length: 8 }, () => new Int32Array(256));
  const first = tables[0] as Int32Array;
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1;
    first[n] = c;
  }
  for (let t = 1; t < 8; t += 1) {
    const previous = tables[t - 1] as Int32Array;
    const table = tables[t] as Int32Array;
    for (let n = 0; n < 256; n += 1) {
      const c = previous[n] as number;
      table[n] = (c >>> 8) ^ (first[c & 0xff] as number);
    }
  }
  return tables;
})();

/** A running CRC-32C, written as GCS writes it: the four big-endian bytes in base64. */
export class Crc32c {
  private crc = ~0;

  update(bytes: Uint8Array): this {
    const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES as [
      Int32Array,
      Int32Array,
      Int32Array,
      Int32Array,
      Int32Array,
      Int32Array,
      Int32Array,
      Int32Array,
    ];
    let crc = this.crc;
    let i = 0;
    const whole = bytes.length - (bytes.length % 8);
    for (; i < whole; i += 8) {
      const low =
        crc ^
        ((bytes[i] as number) |
          ((bytes[i + 1] as number) << 8) |
          ((bytes[i + 2] as number) << 16) |
          ((bytes[i + 3] as number) << 24));
      crc =
        (t7[low & 0xff] as number) ^
        (t6[(low >>> 8) & 0xff] as number) ^
        (t5[(low >>> 16) & 0xff] as number) ^
        (t4[low >>> 24] as number) ^
        (t3[bytes[i + 4] as number] as number) ^
        (t2[bytes[i + 5] as number] as number) ^
        (t1[bytes[i + 6] as number] as number) ^
        (t0[bytes[i + 7] as number] as number);
    }
    for (; i < bytes.length; i += 1) crc = (crc >>> 8) ^ (t0[(crc ^ (bytes[i] as number)) & 0xff] as number);
    this.crc = crc;
    return this;
  }

  value(): number {
    return ~this.crc >>> 0;
  }

  toString(): string {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(this.value());
    return out.toString('base64');
  }
}
