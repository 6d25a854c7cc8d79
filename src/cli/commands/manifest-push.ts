// `skiff manifest push LIST`: a local list to its registry, as docker's CLI does it. Members that live in
// another repository of the same registry are brought into the list's repository first (their config and
// layers mounted across repositories, their manifests PUT there by digest: "Pushed ref …"), then the index
// goes up under the list's tag and its digest is printed.
import { createHash } from 'node:crypto';
import { type Command, CliError } from '../core.ts';
import { copyBlob, putManifest } from '../../lib/distribution/index.ts';
import { getList, removeList, manifestBytes, type ImageManifest } from '../manifest-store.ts';
import { normalizeReference, registrySession, type NamedRef } from '../manifest-remote.ts';
import { buildIndex } from '../manifest-index.ts';

/** `127.0.0.1:5000/a/b:1@sha256:…` → `a/b` */
function repoOf(ref: string): string {
  const path = ref.slice(ref.indexOf('/') + 1).replace(/@.*$/, '');
  const colon = path.lastIndexOf(':');
  return colon > path.lastIndexOf('/') ? path.slice(0, colon) : path;
}

/** the blobs a member manifest names: its config and its layers */
function blobsOf(m: ImageManifest): string[] {
  const j = JSON.parse(manifestBytes(m).toString('utf8')) as { config?: { digest: string }; layers?: Array<{ digest: string }> };
  return [j.config?.digest, ...(j.layers ?? []).map((l) => l.digest)].filter((d): d is string => Boolean(d));
}

async function pushList(target: NamedRef, members: ImageManifest[], insecure: boolean): Promise<void> {
  const index = buildIndex(target, members, true);
  const elsewhere = members.filter((m) => repoOf(m.Ref) !== target.path);
  const sources = [...new Set(elsewhere.map((m) => repoOf(m.Ref)))];
  const s = registrySession(target, { insecure, scopes: [`repository:${target.path}:pull,push`, ...sources.map((r) => `repository:${r}:pull`)] });
  for (const m of elsewhere) {
    for (const digest of blobsOf(m)) await copyBlob(s, target.path, repoOf(m.Ref), digest);
  }
  for (const m of elsewhere) {
    const bytes = manifestBytes(m);
    const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (actual !== m.Descriptor.digest) throw new CliError(`internal digest mismatch for ${m.Ref}: expected ${m.Descriptor.digest}, got ${actual}`, 1);
    const digest = await putManifest(s, target.path, m.Descriptor.digest, bytes, m.Descriptor.mediaType);
    process.stdout.write(`Pushed ref ${target.domain}/${target.path}@${digest} with digest: ${digest}\n`);
  }
  const digest = await putManifest(s, target.path, target.tag ?? target.digest!, index.bytes, index.mediaType);
  process.stdout.write(`${digest}\n`);
}

export const manifestPush: Command = {
  usage: '[OPTIONS] MANIFEST_LIST',
  summary: 'Push a manifest list to a repository',
  flags: [
    { name: 'insecure', type: 'bool', help: 'Allow push to an insecure registry' },
    { name: 'purge', short: 'p', type: 'bool', help: 'Remove the local manifest list after push' },
  ],
  args: { min: 1, max: 1 },
  async run(_ctx, p) {
    const target = normalizeReference(p.args[0]);
    const members = getList(target.text);
    if (!members) throw new CliError(`No such manifest: ${target.text}`, 1);
    if (!members.length) throw new CliError(`${target.text} not found`, 1);
    await pushList(target, members, p.bool('insecure'));
    if (p.bool('purge')) await removeList(target.text);
  },
};
