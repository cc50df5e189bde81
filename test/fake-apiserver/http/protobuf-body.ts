// Request bodies in Kubernetes' protobuf encoding (application/vnd.kubernetes.protobuf: the "k8s\0"
// magic, then a runtime.Unknown holding apiVersion/kind and the object's own protobuf bytes), which
// kubectl's typed commands send (`kubectl create namespace`), decoded into the JSON object the rest
// of the server handles. Only the kinds such commands create here are known (Namespace, ConfigMap,
// Secret, ServiceAccount), by the field numbers of their generated.proto; others are refused (415).

import { unsupportedMediaType } from '../api-error.js';

type FieldKind = 'string' | 'bytes' | 'int64' | 'bool' | 'time' | { readonly message: string } | { readonly map: 'string' | 'bytes' };

interface Field {
  readonly name: string;
  readonly kind: FieldKind;
  readonly repeated?: boolean;
}

const MESSAGES: Readonly<Record<string, Readonly<Record<number, Field>>>> = {
  Unknown: { 1: { name: 'typeMeta', kind: { message: 'TypeMeta' } }, 2: { name: 'raw', kind: 'bytes' }, 3: { name: 'contentEncoding', kind: 'string' }, 4: { name: 'contentType', kind: 'string' } },
  TypeMeta: { 1: { name: 'apiVersion', kind: 'string' }, 2: { name: 'kind', kind: 'string' } },
  ObjectMeta: {
    1: { name: 'name', kind: 'string' },
    2: { name: 'generateName', kind: 'string' },
    3: { name: 'namespace', kind: 'string' },
    5: { name: 'uid', kind: 'string' },
    6: { name: 'resourceVersion', kind: 'string' },
    7: { name: 'generation', kind: 'int64' },
    8: { name: 'creationTimestamp', kind: 'time' },
    11: { name: 'labels', kind: { map: 'string' } },
    12: { name: 'annotations', kind: { map: 'string' } },
    13: { name: 'ownerReferences', kind: { message: 'OwnerReference' }, repeated: true },
    14: { name: 'finalizers', kind: 'string', repeated: true },
  },
  OwnerReference: {
    1: { name: 'kind', kind: 'string' },
    3: { name: 'name', kind: 'string' },
    4: { name: 'uid', kind: 'string' },
    5: { name: 'apiVersion', kind: 'string' },
    6: { name: 'controller', kind: 'bool' },
    7: { name: 'blockOwnerDeletion', kind: 'bool' },
  },
  Namespace: { 1: { name: 'metadata', kind: { message: 'ObjectMeta' } }, 2: { name: 'spec', kind: { message: 'NamespaceSpec' } }, 3: { name: 'status', kind: { message: 'NamespaceStatus' } } },
  NamespaceSpec: { 1: { name: 'finalizers', kind: 'string', repeated: true } },
  NamespaceStatus: { 1: { name: 'phase', kind: 'string' } },
  ConfigMap: { 1: { name: 'metadata', kind: { message: 'ObjectMeta' } }, 2: { name: 'data', kind: { map: 'string' } }, 3: { name: 'binaryData', kind: { map: 'bytes' } }, 4: { name: 'immutable', kind: 'bool' } },
  Secret: {
    1: { name: 'metadata', kind: { message: 'ObjectMeta' } },
    2: { name: 'data', kind: { map: 'bytes' } },
    3: { name: 'type', kind: 'string' },
    4: { name: 'stringData', kind: { map: 'string' } },
    5: { name: 'immutable', kind: 'bool' },
  },
  ServiceAccount: {
    1: { name: 'metadata', kind: { message: 'ObjectMeta' } },
    2: { name: 'secrets', kind: { message: 'ObjectReference' }, repeated: true },
    3: { name: 'imagePullSecrets', kind: { message: 'LocalObjectReference' }, repeated: true },
    4: { name: 'automountServiceAccountToken', kind: 'bool' },
  },
  ObjectReference: { 1: { name: 'kind', kind: 'string' }, 2: { name: 'namespace', kind: 'string' }, 3: { name: 'name', kind: 'string' }, 4: { name: 'uid', kind: 'string' }, 5: { name: 'apiVersion', kind: 'string' } },
  LocalObjectReference: { 1: { name: 'name', kind: 'string' } },
  MapEntry: { 1: { name: 'key', kind: 'string' }, 2: { name: 'value', kind: 'bytes' } },
};

const KNOWN_KINDS: ReadonlySet<string> = new Set(['v1/Namespace', 'v1/ConfigMap', 'v1/Secret', 'v1/ServiceAccount']);
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.buf[this.pos++];
      if (b === undefined) throw new Error('truncated varint');
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  }

  bytes(): Buffer {
    const len = Number(this.varint());
    const out = this.buf.subarray(this.pos, this.pos + len);
    if (out.length !== len) throw new Error('truncated field');
    this.pos += len;
    return out;
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wireType}`);
  }
}

function decodeMessage(buf: Buffer, type: string): Record<string, unknown> {
  const fields = MESSAGES[type] ?? {};
  const out: Record<string, unknown> = {};
  const r = new Reader(buf);
  while (!r.done) {
    const key = Number(r.varint());
    const field = fields[key >> 3];
    const wire = key & 7;
    if (field === undefined) {
      r.skip(wire);
      continue;
    }
    const kind = field.kind;
    let value: unknown;
    if (kind === 'int64') value = Number(BigInt.asIntN(64, r.varint()));
    else if (kind === 'bool') value = r.varint() !== 0n;
    else if (kind === 'string') value = r.bytes().toString('utf8');
    else if (kind === 'bytes') value = Buffer.from(r.bytes());
    else if (kind === 'time') {
      r.bytes();
      continue; // Server-set timestamps: whatever a client sends is replaced.
    } else if ('message' in kind) value = decodeMessage(r.bytes(), kind.message);
    else {
      const entry = decodeMessage(r.bytes(), 'MapEntry');
      const map = (out[field.name] ??= {}) as Record<string, unknown>;
      const raw = entry.value instanceof Buffer ? entry.value : Buffer.alloc(0);
      map[String(entry.key ?? '')] = kind.map === 'bytes' ? raw.toString('base64') : raw.toString('utf8');
      continue;
    }
    if (field.repeated === true) ((out[field.name] ??= []) as unknown[]).push(value);
    else out[field.name] = value;
  }
  return out;
}

/** The JSON object a protobuf-encoded request body stands for. */
export function decodeProtobufBody(body: Buffer): Record<string, unknown> {
  if (!body.subarray(0, 4).equals(MAGIC)) throw unsupportedMediaType();
  const unknown = decodeMessage(body.subarray(4), 'Unknown');
  const typeMeta = (unknown.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const gvk = `${typeMeta.apiVersion ?? ''}/${typeMeta.kind ?? ''}`;
  if (!KNOWN_KINDS.has(gvk) || !(unknown.raw instanceof Buffer)) throw unsupportedMediaType(['application/json']);
  const obj = decodeMessage(unknown.raw, typeMeta.kind ?? '');
  return { apiVersion: typeMeta.apiVersion, kind: typeMeta.kind, ...obj };
}
