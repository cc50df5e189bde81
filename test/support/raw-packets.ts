// Hand-built query packets for the wire rules dns-packet will not encode (lying counts, pointers
// in questions, bad opcodes, several OPT records, ...).

export function nameBytes(name: string): number[] {
  const out: number[] = [];
  for (const label of name.split('.').filter((l) => l.length > 0)) {
    out.push(label.length, ...Buffer.from(label, 'latin1'));
  }
  out.push(0);
  return out;
}

export interface RawSpec {
  readonly id?: number;
  readonly flags?: number;
  readonly counts?: readonly [number, number, number, number];
  readonly body: readonly number[];
}

export function rawPacket(spec: RawSpec): Buffer {
  const id = spec.id ?? 0x1234;
  const flags = spec.flags ?? 0x0100;
  const [qd, an, ns, ar] = spec.counts ?? [1, 0, 0, 0];
  return Buffer.from([id >> 8, id & 0xff, flags >> 8, flags & 0xff, 0, qd, 0, an, 0, ns, 0, ar, ...spec.body]);
}

export function question(name: string, type = 1, klass = 1): number[] {
  return [...nameBytes(name), type >> 8, type & 0xff, klass >> 8, klass & 0xff];
}

/** An OPT record: payload size, version, DO, and raw options bytes. */
export function opt(udpSize = 1232, version = 0, dnssecOk = false, options: readonly number[] = []): number[] {
  return [0, 0, 41, udpSize >> 8, udpSize & 0xff, 0, version, dnssecOk ? 0x80 : 0, 0, options.length >> 8, options.length & 0xff, ...options];
}
