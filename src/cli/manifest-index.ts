// A local list as the index pushed to a registry, byte for byte what docker's CLI makes of it
// (distribution's manifestlist.FromDescriptors: an OCI image index when the first member is an OCI
// manifest, else a Docker manifest list v2; Go's MarshalIndent with three spaces), so skiff and docker push
// the same digest for the same list. Also docker's table of the os/arch pairs a list entry may name.
import { DOCKER_LIST, OCI_INDEX, OCI_MANIFEST } from '../lib/distribution/index.ts';
import { CliError } from './errors.ts';
import type { ImageManifest, Platform } from './manifest-store.ts';
import type { NamedRef } from './manifest-remote.ts';

const VALID_OS_ARCH = new Set([
  'darwin/386', 'darwin/amd64', 'darwin/arm', 'darwin/arm64', 'dragonfly/amd64', 'freebsd/386', 'freebsd/amd64', 'freebsd/arm',
  'linux/386', 'linux/amd64', 'linux/arm', 'linux/arm64', 'linux/ppc64le', 'linux/mips64', 'linux/mips64le', 'linux/riscv64', 'linux/s390x',
  'netbsd/386', 'netbsd/amd64', 'netbsd/arm', 'openbsd/386', 'openbsd/amd64', 'openbsd/arm', 'plan9/386', 'plan9/amd64', 'solaris/amd64',
  'windows/386', 'windows/amd64',
]);

/** docker's isValidOSArch */
export const isValidOsArch = (os: string, arch: string): boolean => VALID_OS_ARCH.has(`${os}/${arch}`);

/** the domain of a stored Ref (`127.0.0.1:5000/a:1` → `127.0.0.1:5000`) */
const domainOf = (ref: string) => ref.slice(0, ref.indexOf('/'));

/** Go's PlatformSpec field order: architecture, os, os.version, os.features, variant */
function platformSpec(p: Platform | undefined): Platform {
  const out: Platform = { architecture: p?.architecture ?? '', os: p?.os ?? '' };
  if (p?.['os.version']) out['os.version'] = p['os.version'];
  if (p?.['os.features']?.length) out['os.features'] = p['os.features'];
  if (p?.variant) out.variant = p.variant;
  return out;
}

export interface BuiltIndex {
  bytes: Buffer;
  mediaType: string;
}

/** The index of a list's members; `forPush` also demands what a registry needs (os and architecture). */
export function buildIndex(target: NamedRef, members: ImageManifest[], forPush: boolean): BuiltIndex {
  const manifests = members.map((m) => {
    const p = m.Descriptor.platform;
    if (forPush && (!p?.architecture || !p.os)) throw new CliError(`manifest ${m.Ref} must have an OS and Architecture to be pushed to a registry`, 1);
    const domain = domainOf(m.Ref);
    if (domain !== target.domain) throw new CliError(`cannot use source images from a different registry than the target image: ${domain} != ${target.domain}`, 1);
    if (!/^sha256:[a-f0-9]{64}$/.test(m.Descriptor.digest)) throw new CliError(`digest parse of image "${m.Ref}" failed: invalid checksum digest format`, 1);
    return { mediaType: m.Descriptor.mediaType, size: m.Descriptor.size, digest: m.Descriptor.digest, platform: platformSpec(p) };
  });
  const mediaType = manifests[0]?.mediaType === OCI_MANIFEST ? OCI_INDEX : DOCKER_LIST;
  return { bytes: Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, manifests }, null, '   ')), mediaType };
}
