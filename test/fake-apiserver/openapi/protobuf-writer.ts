// A minimal protocol buffers writer (varints, 64-bit doubles, length-delimited fields and nested
// messages): enough to encode an OpenAPI v2 document as gnostic's openapi_v2.Document.

export class ProtoWriter {
  private readonly parts: Buffer[] = [];

  private varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    const bytes: number[] = [];
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) b |= 0x80;
      bytes.push(b);
    } while (v !== 0n);
    this.parts.push(Buffer.from(bytes));
  }

  private key(field: number, wireType: 0 | 1 | 2): void {
    this.varint((field << 3) | wireType);
  }

  string(field: number, value: string | undefined): this {
    if (value === undefined || value === '') return this;
    const buf = Buffer.from(value, 'utf8');
    this.key(field, 2);
    this.varint(buf.length);
    this.parts.push(buf);
    return this;
  }

  strings(field: number, values: readonly string[] | undefined): this {
    for (const v of values ?? []) {
      const buf = Buffer.from(v, 'utf8');
      this.key(field, 2);
      this.varint(buf.length);
      this.parts.push(buf);
    }
    return this;
  }

  bool(field: number, value: boolean | undefined): this {
    if (value !== true) return this;
    this.key(field, 0);
    this.varint(1);
    return this;
  }

  int64(field: number, value: number | undefined): this {
    if (value === undefined || value === 0) return this;
    this.key(field, 0);
    this.varint(Math.trunc(value));
    return this;
  }

  double(field: number, value: number | undefined): this {
    if (value === undefined || value === 0) return this;
    const buf = Buffer.alloc(8);
    buf.writeDoubleLE(value);
    this.key(field, 1);
    this.parts.push(buf);
    return this;
  }

  /** A nested message, always written (an empty message still marks the field as set). */
  message(field: number, fill: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    fill(inner);
    const buf = inner.finish();
    this.key(field, 2);
    this.varint(buf.length);
    this.parts.push(buf);
    return this;
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}
