// An OpenAPI v2 document in gnostic's protobuf encoding (openapi_v2.Document, the field numbers of
// gnostic's OpenAPIv2.proto), which is what /openapi/v2 answers a client that asks for
// application/com.github.proto-openapi.spec.v2@v1.0+protobuf. Extension and default values travel
// as YAML text, as gnostic's Any.yaml does.

import { stringify } from 'yaml';
import { isRecord } from '../types.js';
import { ProtoWriter } from './protobuf-writer.js';

type Rec = Record<string, unknown>;

function yamlAny(w: ProtoWriter, field: number, value: unknown): void {
  w.message(field, (a) => a.string(2, stringify(value)));
}

function extensions(w: ProtoWriter, field: number, obj: Rec): void {
  for (const [k, v] of Object.entries(obj)) {
    if (!k.startsWith('x-')) continue;
    w.message(field, (n) => {
      n.string(1, k);
      yamlAny(n, 2, v);
    });
  }
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

function schema(w: ProtoWriter, s: Rec): void {
  w.string(1, typeof s.$ref === 'string' ? s.$ref : undefined);
  w.string(2, typeof s.format === 'string' ? s.format : undefined);
  w.string(3, typeof s.title === 'string' ? s.title : undefined);
  w.string(4, typeof s.description === 'string' ? s.description : undefined);
  if (s.default !== undefined) yamlAny(w, 5, s.default);
  w.double(6, num(s.multipleOf));
  w.double(7, num(s.maximum));
  w.bool(8, s.exclusiveMaximum === true);
  w.double(9, num(s.minimum));
  w.bool(10, s.exclusiveMinimum === true);
  w.int64(11, num(s.maxLength));
  w.int64(12, num(s.minLength));
  w.string(13, typeof s.pattern === 'string' ? s.pattern : undefined);
  w.int64(14, num(s.maxItems));
  w.int64(15, num(s.minItems));
  w.bool(16, s.uniqueItems === true);
  w.int64(17, num(s.maxProperties));
  w.int64(18, num(s.minProperties));
  w.strings(19, Array.isArray(s.required) ? s.required.map(String) : undefined);
  for (const e of Array.isArray(s.enum) ? s.enum : []) yamlAny(w, 20, e);
  const ap = s.additionalProperties;
  if (isRecord(ap)) w.message(21, (a) => a.message(1, (x) => schema(x, ap)));
  else if (typeof ap === 'boolean') w.message(21, (a) => a.bool(2, ap));
  if (typeof s.type === 'string') w.message(22, (t) => t.strings(1, [s.type as string]));
  const items = s.items;
  if (isRecord(items)) w.message(23, (i) => i.message(1, (x) => schema(x, items)));
  for (const sub of Array.isArray(s.allOf) ? s.allOf.filter(isRecord) : []) w.message(24, (x) => schema(x, sub));
  if (isRecord(s.properties)) {
    const props = s.properties;
    w.message(25, (p) => {
      for (const [name, value] of Object.entries(props)) {
        if (!isRecord(value)) continue;
        p.message(1, (n) => {
          n.string(1, name);
          n.message(2, (x) => schema(x, value));
        });
      }
    });
  }
  extensions(w, 31, s);
}

/** A ParametersItem: Parameter → NonBodyParameter → the query or path sub-schema. */
function parameter(w: ProtoWriter, p: Rec): void {
  w.message(1, (param) =>
    param.message(2, (nonBody) => {
      const inPath = p.in === 'path';
      // QueryParameterSubSchema and PathParameterSubSchema differ in where type and uniqueItems sit.
      nonBody.message(inPath ? 4 : 3, (sub) => {
        sub.bool(1, p.required === true);
        sub.string(2, String(p.in));
        sub.string(4, String(p.name));
        sub.string(inPath ? 5 : 6, String(p.type));
        sub.bool(inPath ? 19 : 20, p.uniqueItems === true);
      });
    }),
  );
}

function operation(w: ProtoWriter, op: Rec): void {
  w.string(5, String(op.operationId));
  w.strings(6, Array.isArray(op.produces) ? op.produces.map(String) : undefined);
  w.strings(7, Array.isArray(op.consumes) ? op.consumes.map(String) : undefined);
  for (const p of Array.isArray(op.parameters) ? op.parameters.filter(isRecord) : []) w.message(8, (x) => parameter(x, p));
  const responses = isRecord(op.responses) ? op.responses : {};
  w.message(9, (r) => {
    for (const [code, resp] of Object.entries(responses)) {
      if (!isRecord(resp)) continue;
      r.message(1, (named) => {
        named.string(1, code);
        named.message(2, (value) =>
          value.message(1, (response) => {
            response.string(1, String(resp.description ?? ''));
            if (isRecord(resp.schema)) {
              const sch = resp.schema;
              response.message(2, (item) => item.message(1, (x) => schema(x, sch)));
            }
          }),
        );
      });
    }
  });
  extensions(w, 13, op);
}

const METHOD_FIELDS: Readonly<Record<string, number>> = { get: 2, put: 3, post: 4, delete: 5, patch: 8 };

export function encodeOpenApiV2(doc: Rec): Buffer {
  const w = new ProtoWriter();
  w.string(1, String(doc.swagger));
  const info = isRecord(doc.info) ? doc.info : {};
  w.message(2, (i) => i.string(1, String(info.title ?? '')).string(2, String(info.version ?? '')));
  const paths = isRecord(doc.paths) ? doc.paths : {};
  w.message(8, (ps) => {
    for (const [path, item] of Object.entries(paths)) {
      if (!isRecord(item)) continue;
      ps.message(2, (named) => {
        named.string(1, path);
        named.message(2, (pi) => {
          for (const [method, field] of Object.entries(METHOD_FIELDS)) {
            const op = item[method];
            if (isRecord(op)) pi.message(field, (x) => operation(x, op));
          }
          for (const p of Array.isArray(item.parameters) ? item.parameters.filter(isRecord) : []) pi.message(9, (x) => parameter(x, p));
        });
      });
    }
  });
  const definitions = isRecord(doc.definitions) ? doc.definitions : {};
  w.message(9, (d) => {
    for (const [name, s] of Object.entries(definitions)) {
      if (!isRecord(s)) continue;
      d.message(1, (named) => {
        named.string(1, name);
        named.message(2, (x) => schema(x, s));
      });
    }
  });
  return w.finish();
}
