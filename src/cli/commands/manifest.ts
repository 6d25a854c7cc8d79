// `skiff manifest create|annotate|inspect|rm`: local manifest lists, as docker's CLI keeps them (client
// side, in $DOCKER_CONFIG/manifests, shared with `docker manifest`); the members are read from their
// registries with config.json's credentials. `push` is in manifest-push.ts.
import { type Command, CliError } from '../core.ts';
import { getEntry, getList, removeList, saveEntry, manifestBytes, type ImageManifest } from '../manifest-store.ts';
import { fetchImageManifest, fetchRemote, normalizeReference, type NamedRef } from '../manifest-remote.ts';
import { buildIndex, isValidOsArch } from '../manifest-index.ts';

const insecureFlag = { name: 'insecure', type: 'bool' as const, help: 'Allow communication with an insecure registry' };

/** a name that must parse, with docker's wrapping of the parser's words */
function named(input: string, what?: string): NamedRef {
  try {
    return normalizeReference(input);
  } catch (err) {
    throw new CliError(what ? `${what} ${input}: ${(err as Error).message}` : (err as Error).message, 1, { cause: err });
  }
}

export const manifestCreate: Command = {
  usage: 'MANIFEST_LIST MANIFEST [MANIFEST...]',
  summary: 'Create a local manifest list for annotating and pushing to a registry',
  flags: [{ name: 'amend', short: 'a', type: 'bool', help: 'Amend an existing manifest list' }, insecureFlag],
  args: { min: 2 },
  async run(_ctx, p) {
    const [listArg, ...members] = p.args;
    const target = named(listArg, 'error parsing name for manifest list');
    if (getList(target.text) && !p.bool('amend')) throw new CliError('refusing to amend an existing manifest list with no --amend flag', 1);
    // every member is fetched before anything is written: a bad one leaves no half-made list behind
    const got: Array<[NamedRef, ImageManifest]> = [];
    for (const m of members) {
      const ref = named(m);
      const local = getEntry(target.text, ref.text);
      got.push([ref, local?.Raw ? local : await fetchImageManifest(ref, { insecure: p.bool('insecure') })]);
    }
    for (const [ref, m] of got) await saveEntry(target.text, ref.text, m);
    process.stdout.write(`Created manifest list ${target.text}\n`);
  },
};

export const manifestAnnotate: Command = {
  usage: '[OPTIONS] MANIFEST_LIST MANIFEST',
  summary: 'Add additional information to a local image manifest',
  flags: [
    { name: 'arch', type: 'string', help: 'Set architecture' },
    { name: 'os', type: 'string', help: 'Set operating system' },
    { name: 'os-features', type: 'list', value: 'strings', help: 'Set operating system feature' },
    { name: 'os-version', type: 'string', help: 'Set operating system version' },
    { name: 'variant', type: 'string', help: 'Set architecture variant' },
  ],
  args: { min: 2, max: 2 },
  async run(_ctx, p) {
    const [listArg, imageArg] = p.args;
    const target = named(listArg, 'annotate: error parsing name for manifest list');
    const image = named(imageArg, 'annotate: error parsing name for manifest');
    const entry = getEntry(target.text, image.text);
    if (!entry) throw new CliError(`manifest for image ${imageArg} does not exist in ${listArg}`, 1);
    const platform = (entry.Descriptor.platform ??= { architecture: '', os: '' });
    if (p.str('os')) platform.os = p.str('os')!;
    if (p.str('arch')) platform.architecture = p.str('arch')!;
    for (const f of p.list('os-features').flatMap((v) => v.split(','))) {
      if (f && !platform['os.features']?.includes(f)) platform['os.features'] = [...(platform['os.features'] ?? []), f];
    }
    if (p.str('variant')) platform.variant = p.str('variant');
    if (p.str('os-version')) platform['os.version'] = p.str('os-version');
    if (!isValidOsArch(platform.os, platform.architecture)) {
      throw new CliError(`manifest entry for image has unsupported os/arch combination: ${platform.os}/${platform.architecture}`, 1);
    }
    await saveEntry(target.text, image.text, entry);
  },
};

/** a manifest as docker prints it: its bytes re-indented with tabs, or (--verbose) the whole record */
function printManifest(m: ImageManifest, verbose: boolean): void {
  const out = verbose ? JSON.stringify(m, null, '\t') : JSON.stringify(JSON.parse(manifestBytes(m).toString('utf8')), null, '\t');
  process.stdout.write(`${out}\n`);
}

function printList(target: NamedRef, list: ImageManifest[], verbose: boolean): void {
  process.stdout.write(`${verbose ? JSON.stringify(list, null, '\t') : buildIndex(target, list, false).bytes.toString('utf8')}\n`);
}

export const manifestInspect: Command = {
  usage: '[OPTIONS] [MANIFEST_LIST] MANIFEST',
  summary: 'Display an image manifest, or manifest list',
  flags: [insecureFlag, { name: 'verbose', short: 'v', type: 'bool', help: 'Output additional info including layers and platform' }],
  args: { min: 1, max: 2 },
  async run(_ctx, p) {
    const verbose = p.bool('verbose');
    const ref = named(p.args[p.args.length - 1]);
    if (p.args.length === 2) {
      const list = named(p.args[0]);
      const entry = getEntry(list.text, ref.text);
      if (!entry) throw new CliError(`No such manifest: ${ref.text}`, 1);
      printManifest(entry, verbose);
      return;
    }
    const local = getList(ref.text);
    if (local) return printList(ref, local, verbose);
    const remote = await fetchRemote(ref, { insecure: p.bool('insecure') });
    if ('image' in remote) printManifest(remote.image, verbose);
    else printList(ref, remote.list, verbose);
  },
};

export const manifestRm: Command = {
  usage: 'MANIFEST_LIST [MANIFEST_LIST...]',
  summary: 'Delete one or more manifest lists from local storage',
  flags: [],
  args: { min: 1 },
  async run(_ctx, p) {
    // each list in turn; the failures are reported together at the end, as docker's errors.Join
    const errors: string[] = [];
    for (const arg of p.args) {
      try {
        const ref = named(arg);
        if (!getList(ref.text)) throw new Error(`No such manifest: ${ref.text}`);
        await removeList(ref.text);
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    if (errors.length) throw new CliError(errors.join('\n'), 1);
  },
};
