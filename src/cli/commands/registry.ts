// `skiff pull`, `skiff push` (login and logout: login.ts): the daemon moves the images; the CLI keeps
// the credentials (docker's config.json or a credential helper) and sends them as X-Registry-Auth.
import { type Command, type Client, CliError, enc } from '../core.ts';
import { displayTransfer } from '../transfer-display.ts';
import { loadCredentials, registryAuthHeader } from '../docker-config.ts';

/** the registry a reference names (`127.0.0.1:5000/a` → `127.0.0.1:5000`; `busybox` → docker.io), as docker splits it */
export function registryOf(ref: string): string {
  const slash = ref.indexOf('/');
  const first = slash < 0 ? '' : ref.slice(0, slash);
  return slash >= 0 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first) ? first : 'docker.io';
}

/** `busybox` → `docker.io/library/busybox` (what docker's CLI prints after a pull) */
function fullName(name: string): string {
  if (registryOf(name) !== 'docker.io') return name;
  const bare = name.replace(/^(docker\.io|index\.docker\.io)\//, '');
  return `docker.io/${bare.includes('/') ? bare : `library/${bare}`}`;
}

/** NAME[:TAG|@DIGEST] → the query docker's CLI sends (`fromImage`, `tag`: the tag or the digest) */
export function pullQuery(ref: string): { fromImage: string; tag: string } {
  const at = ref.indexOf('@');
  if (at >= 0) return { fromImage: ref.slice(0, at), tag: ref.slice(at + 1) };
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? { fromImage: ref.slice(0, colon), tag: ref.slice(colon + 1) } : { fromImage: ref, tag: 'latest' };
}

/** Pull through the daemon with the stored credentials; progress on stderr-or-stdout as given. Returns the full reference. */
export async function pullImage(api: Client, ref: string, o: { platform?: string; out: (NodeJS.WritableStream & { isTTY?: boolean }) | null }): Promise<string> {
  const q = pullQuery(ref);
  const res = await api.request('POST', '/images/create', {
    query: { ...q, platform: o.platform },
    headers: { 'X-Registry-Auth': registryAuthHeader(loadCredentials(registryOf(ref))) },
  });
  await displayTransfer(res.body, o.out, Boolean(o.out?.isTTY));
  return `${fullName(q.fromImage)}${q.tag.includes(':') ? '@' : ':'}${q.tag}`;
}

export const pull: Command = {
  usage: '[OPTIONS] NAME[:TAG|@DIGEST]',
  summary: 'Download an image from a registry',
  flags: [
    { name: 'platform', type: 'string', help: 'Set platform if server is multi-platform capable' },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Suppress verbose output' },
  ],
  args: { min: 1, max: 1 },
  async run(ctx, p) {
    const ref = p.args[0];
    const name = await pullImage(ctx.api(), ref, { platform: p.str('platform'), out: p.bool('quiet') ? null : process.stdout });
    process.stdout.write(`${name}\n`);
  },
};

export const push: Command = {
  usage: '[OPTIONS] NAME[:TAG]',
  summary: 'Upload an image to a registry',
  flags: [
    { name: 'all-tags', short: 'a', type: 'bool', help: 'Push all tags of an image to the repository' },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Suppress verbose output' },
  ],
  args: { min: 1, max: 1 },
  async run(ctx, p) {
    const ref = p.args[0];
    const { fromImage: name, tag } = pullQuery(ref);
    if (ref.includes('@')) throw new CliError(`invalid reference format: a digest cannot be pushed: "${ref}"`, 1);
    const all = p.bool('all-tags');
    if (all && ref.lastIndexOf(':') > ref.lastIndexOf('/')) throw new CliError('tag can\'t be used with --all-tags/-a', 1);
    const res = await ctx.api().request('POST', `/images/${enc(name)}/push`, {
      query: { tag: all ? '' : tag },
      headers: { 'X-Registry-Auth': registryAuthHeader(loadCredentials(registryOf(ref))) },
    });
    const quiet = p.bool('quiet');
    await displayTransfer(res.body, quiet ? null : process.stdout, Boolean(process.stdout.isTTY));
    if (quiet) process.stdout.write(`${ref}\n`);
  },
};
