// OpenApiDocs over the vendored documents: the /openapi/v3 root lists every group-version with its hash,
// the documents themselves are read at first request.
import type { OpenApiDocs } from './types.ts';
import { createDocumentStore, type DocumentStore } from './store.ts';

export interface OpenApiDocsOptions {
  /** Folder holding manifest.json and the *.json.gz documents; default: ./data beside the module. */
  dataDir?: string;
}

export function openApiDocsFrom(store: DocumentStore): OpenApiDocs {
  let root: object | undefined;
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
    v2Document: () => undefined,
  };
}

export function createOpenApiDocs(options: OpenApiDocsOptions = {}): OpenApiDocs {
  return openApiDocsFrom(createDocumentStore(options.dataDir));
}
