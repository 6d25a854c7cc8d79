// Regenerates proto/ from git clones of kubernetes/api and kubernetes/apimachinery (run by hand, not at runtime):
//   node src/cluster/apiserver/protobuf/vendor-protos.ts <kubernetes/api git dir> <kubernetes/apimachinery git dir> v0.32.13
// It writes each generated.proto without comments (the messages and field numbers are all the decoder needs), and
// keep-zero.json: the scalar fields whose zero value Go's JSON encoding still writes (pointers and fields without
// `omitempty`), read from the Go structs' tags, because the .proto files cannot tell a `*int32` from an `int32`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [apiDir, machineryDir, tag] = process.argv.slice(2);
if (!apiDir || !machineryDir || !tag) {
  console.error('usage: vendor-protos.ts <kubernetes/api git dir> <kubernetes/apimachinery git dir> <tag, e.g. v0.32.13>');
  process.exit(2);
}

/** [repo dir, folder in it, file name written] */
const sources: [string, string, string][] = [
  ...['core/v1', 'apps/v1', 'batch/v1', 'networking/v1', 'policy/v1', 'autoscaling/v1', 'autoscaling/v2', 'coordination/v1', 'discovery/v1', 'events/v1', 'authentication/v1', 'authorization/v1',
    'certificates/v1', 'rbac/v1', 'storage/v1', 'scheduling/v1', 'node/v1']
    .map((p): [string, string, string] => [apiDir, p, `api-${p.replace('/', '-')}.proto`]),
  ...['pkg/apis/meta/v1', 'pkg/runtime', 'pkg/runtime/schema', 'pkg/util/intstr', 'pkg/api/resource']
    .map((p): [string, string, string] => [machineryDir, p, `apimachinery-${p.replace('pkg/', '').replaceAll('/', '-')}.proto`]),
];

const git = (dir: string, ...args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
const out = join(import.meta.dirname, 'proto');
mkdirSync(out, { recursive: true });

const keepZero: Record<string, string[]> = {};
for (const [dir, folder, file] of sources) {
  const proto = git(dir, 'show', `${tag}:${folder}/generated.proto`);
  const pkg = /^package ([\w.]+);/m.exec(proto)![1];
  const stripped = proto.split('\n').map((l) => l.trim())
    .filter((l) => l && !l.startsWith('//') && !l.startsWith('import ') && !l.startsWith('option go_package'))
    .join('\n');
  writeFileSync(join(out, file), `${stripped}\n`);

  const goFiles = git(dir, 'ls-tree', '--name-only', `${tag}`, `${folder}/`).split('\n')
    .filter((f) => f.endsWith('.go') && !f.endsWith('_test.go') && !f.includes('generated'));
  for (const f of goFiles) {
    let struct = '';
    for (const line of git(dir, 'show', `${tag}:${f}`).split('\n')) {
      const start = /^type (\w+) struct \{/.exec(line);
      if (start) { struct = start[1]; continue; }
      if (line === '}') { struct = ''; continue; }
      const field = /^\t\w+\s+(\S+)\s+`([^`]*)`/.exec(line);
      if (!struct || !field) continue;
      const [, goType, tags] = field;
      const json = /json:"([^"]*)"/.exec(tags)?.[1];
      const name = /protobuf:"[^"]*name=(\w+)/.exec(tags)?.[1];
      if (!json || !name || json === '-' || goType.startsWith('[]') || goType.startsWith('map[')) continue;
      if (goType.startsWith('*') || !json.split(',').includes('omitempty')) (keepZero[`${pkg}.${struct}`] ??= []).push(name);
    }
  }
}
writeFileSync(join(out, 'keep-zero.json'), `${JSON.stringify(keepZero, null, 0).replaceAll('],"', '],\n"')}\n`);
console.log(`wrote ${sources.length} .proto files and keep-zero.json (${Object.keys(keepZero).length} messages) to ${out}`);
