// OpenApiDocs over the vendored documents: the /openapi/v3 root lists every group-version with its hash,
// the documents themselves are read at first request; /openapi/v2 (JSON) is made from them (./v2.ts).
import type { OpenApiDocs } from './types.ts';
import { createDocumentStore, type DocumentStore } from './store.ts';
import { buildV2Document } from './v2.ts';

export interface OpenApiDocsOptions {
  /** Folder holding manifest.json and the *.json.gz documents; default: ./data beside the module. */
  dataDir?: string;
}

export function openApiDocsFrom(store: DocumentStore): OpenApiDocs {
  let root: object | undefined;
  let v2: { json: Buffer; hash: string } | undefined;
  return {
    v3Root() {
      root ??= {
        paths: Object.fromEntries(Object.entries(store.manifest().documents).map(([gv, hash]) => [gv, { serverRelativeURL: `/openapi/v3/${gv}?hash=${hash}` }])),
      };
      return root;
    },
    v3Document(path) {
      const gv = path.replace(/^\/+|\/+$/g, '');
      const json = store.bytes(gv);
      return json ? { json, hash: store.manifest().documents[gv] } : undefined;
    },
    // made at the first request (~all documents parsed): most servers are never asked
    v2Document: () => (v2 ??= buildV2Document(store)),
  };
}

export function createOpenApiDocs(options: OpenApiDocsOptions = {}): OpenApiDocs {
  return openApiDocsFrom(createDocumentStore(options.dataDir));
}
