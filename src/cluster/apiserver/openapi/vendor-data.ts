// Developer script (not used at run time): trims Kubernetes' OpenAPI v3 documents to the group-versions and
// resources skiff serves and writes them gzipped, with their hashes, into ./data.
//   node src/cluster/apiserver/openapi/vendor-data.ts <dir with api__v1_openapi.json, apis__apps__v1_openapi.json, …>
// Trimming drops the paths of resources skiff does not serve, then every schema no kept path reaches.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { resources } from '../../types/registry.ts';
import { documentHash, fileNameOf, type Manifest } from './store.ts';

type Json = Record<string, unknown>;

const groupVersions = [...new Set(resources.map((r) => (r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`)))];

/** The resource a path names: `/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale` → deployments */
function resourceOfPath(gvPath: string, path: string): string | undefined {
  const rest = path.slice(gvPath.length + 2).split('/').filter(Boolean);
  if (rest[0] === 'watch') rest.shift();
  if (rest[0] === 'namespaces' && rest[1] === '{namespace}' && rest.length > 2) return rest[2];
  return rest[0];
}

function collectRefs(node: unknown, out: Set<string>): void {
  if (Array.isArray(node)) for (const n of node) collectRefs(n, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.add(v.replace('#/components/schemas/', ''));
      else collectRefs(v, out);
    }
  }
}

function trim(gvPath: string, doc: Json): Json {
  const [, group, version] = gvPath.startsWith('apis/') ? gvPath.split('/') : ['', '', gvPath.split('/')[1]];
  const served = new Set(resources.filter((r) => r.group === (group ?? '') && r.version === version).map((r) => r.resource));
  served.add('namespaces'); // the namespaces collection holds every namespaced path
  const paths: Json = {};
  for (const [p, item] of Object.entries(doc.paths as Json)) {
    const res = resourceOfPath(gvPath, p);
    if (res === undefined || served.has(res)) paths[p] = item;
  }
  const schemas = (doc.components as Json).schemas as Json;
  const keep = new Set<string>();
  const queue = new Set<string>();
  collectRefs(paths, queue);
  while (queue.size) {
    const [name] = queue;
    queue.delete(name);
    if (keep.has(name)) continue;
    keep.add(name);
    const next = new Set<string>();
    collectRefs(schemas[name], next);
    for (const n of next) if (!keep.has(n)) queue.add(n);
  }
  const kept = Object.fromEntries(Object.keys(schemas).filter((n) => keep.has(n)).sort().map((n) => [n, schemas[n]]));
  return { ...doc, paths, components: { ...(doc.components as Json), schemas: kept } };
}

const srcDir = process.argv[2];
if (!srcDir) throw new Error('usage: vendor-data.ts <dir of Kubernetes api/openapi-spec/v3 files>');
const outDir = join(import.meta.dirname, 'data');
const manifest: Manifest = { source: 'kubernetes/kubernetes api/openapi-spec/v3', version: 'v1.32', documents: {} };
for (const gv of groupVersions) {
  const doc = JSON.parse(readFileSync(join(srcDir, `${gv.replaceAll('/', '__')}_openapi.json`), 'utf8')) as Json;
  const json = Buffer.from(JSON.stringify(trim(gv, doc)));
  writeFileSync(join(outDir, fileNameOf(gv)), gzipSync(json, { level: 9 }));
  manifest.documents[gv] = documentHash(json);
  console.log(`${gv}: ${json.length} bytes`);
}
writeFileSync(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
