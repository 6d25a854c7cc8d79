// The vendored OpenAPI v3 documents on disk: data/manifest.json names each group-version's document and its
// hash; data/<api__v1>.json.gz holds its JSON. Documents are read and gunzipped at first use only, since
// most server runs never serve them (about 2 MB of JSON once all are loaded).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export interface Manifest {
  source: string;
  version: string;
  /** 'api/v1' → hash of its JSON bytes */
  documents: Record<string, string>;
}

/** As kube-openapi computes the ETag and `?hash=` of a document: SHA-512 of its bytes, upper-case hex. */
export const documentHash = (json: Buffer): string => createHash('sha512').update(json).digest('hex').toUpperCase();

export const fileNameOf = (gvPath: string): string => `${gvPath.replaceAll('/', '__')}.json.gz`;

/** The folder of the vendored data beside this module (the bundler may copy it elsewhere: see createOpenApiDocs). */
export const defaultDataDir = (): string => join(import.meta.dirname, 'data');

export interface DocumentStore {
  manifest(): Manifest;
  /** JSON bytes of one document, cached after the first read; undefined for a path not vendored */
  bytes(gvPath: string): Buffer | undefined;
  /** the parsed document, cached */
  parsed(gvPath: string): OpenApiV3Document | undefined;
}

export interface OpenApiV3Document {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, SchemaObject> };
}

/** The parts of an OpenAPI schema object skiff reads (Kubernetes' extensions included). */
export interface SchemaObject {
  type?: string;
  format?: string;
  $ref?: string;
  allOf?: SchemaObject[];
  oneOf?: SchemaObject[];
  properties?: Record<string, SchemaObject>;
  additionalProperties?: SchemaObject | boolean;
  items?: SchemaObject;
  required?: string[];
  default?: unknown;
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-unions'?: unknown[];
}

export function createDocumentStore(dataDir: string = defaultDataDir()): DocumentStore {
  let manifest: Manifest | undefined;
  const bytes = new Map<string, Buffer>();
  const parsed = new Map<string, OpenApiV3Document>();
  const store: DocumentStore = {
    manifest() {
      manifest ??= JSON.parse(readFileSync(join(dataDir, 'manifest.json'), 'utf8')) as Manifest;
      return manifest;
    },
    bytes(gvPath) {
      if (!Object.hasOwn(store.manifest().documents, gvPath)) return undefined;
      let b = bytes.get(gvPath);
      if (!b) {
        b = gunzipSync(readFileSync(join(dataDir, fileNameOf(gvPath))));
        bytes.set(gvPath, b);
      }
      return b;
    },
    parsed(gvPath) {
      let doc = parsed.get(gvPath);
      if (!doc) {
        const b = store.bytes(gvPath);
        if (!b) return undefined;
        doc = JSON.parse(b.toString('utf8')) as OpenApiV3Document;
        parsed.set(gvPath, doc);
      }
      return doc;
    },
  };
  return store;
}
