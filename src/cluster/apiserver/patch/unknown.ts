// Unknown fields, named as Kubernetes' strict JSON decoding names them (`spec.template.spec.containers[0].imagePullPolice`):
// every key of a struct that its schema does not declare. Free-form places (maps' keys, RawExtension,
// preserve-unknown-fields) accept anything.
import type { SchemaNode } from '../openapi/index.ts';
import { isPlainObject } from './json.ts';

export function findUnknownFields(value: unknown, node: SchemaNode | undefined, path: string, out: string[]): void {
  if (!node || node.kind === 'any' || node.kind === 'scalar') return;
  if (node.kind === 'list') {
    if (Array.isArray(value)) value.forEach((item, i) => findUnknownFields(item, node.items, `${path}[${i}]`, out));
    return;
  }
  if (!isPlainObject(value)) return;
  for (const [k, v] of Object.entries(value)) {
    const childPath = path ? `${path}.${k}` : k;
    if (node.kind === 'map') findUnknownFields(v, node.values, childPath, out);
    else {
      const child = node.field(k);
      if (child === undefined) out.push(childPath);
      else findUnknownFields(v, child, childPath, out);
    }
  }
}
