// Test helpers for the HTTP face: a minimal OpenApiDocs (only what kubectl's field-validation probe reads:
// each kind's PATCH operation with its x-kubernetes-group-version-kind and a `fieldValidation` parameter), so
// `kubectl create -f` trusts the server's validation without the real OpenAPI documents.
import { createHash } from 'node:crypto';
import type { ResourceSpec } from '../../types/resource.ts';
import type { OpenApiDocs } from '../openapi/types.ts';

export function minimalOpenApi(resources: readonly ResourceSpec[]): OpenApiDocs {
  const docs = new Map<string, { json: Buffer; hash: string }>();
  const byGv = new Map<string, ResourceSpec[]>();
  for (const r of resources) {
    const gv = r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`;
    byGv.set(gv, [...(byGv.get(gv) ?? []), r]);
  }
  for (const [gv, specs] of byGv) {
    const paths: Record<string, object> = {};
    for (const r of specs) {
      const path = `/${gv}/${r.namespaced ? 'namespaces/{namespace}/' : ''}${r.resource}/{name}`;
      paths[path] = {
        patch: {
          'x-kubernetes-group-version-kind': { group: r.group, version: r.version, kind: r.kind },
          parameters: ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((name) => ({ name, in: 'query', schema: { type: 'string' } })),
        },
      };
    }
    const json = Buffer.from(JSON.stringify({ openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths, components: { schemas: {} } }));
    docs.set(gv, { json, hash: createHash('sha256').update(json).digest('hex').toUpperCase() });
  }
  return {
    v3Root: () => ({ paths: Object.fromEntries([...docs].map(([gv, d]) => [gv, { serverRelativeURL: `/openapi/v3/${gv}?hash=${d.hash}` }])) }),
    v3Document: (path) => docs.get(path),
    v2Document: () => undefined,
  };
}
