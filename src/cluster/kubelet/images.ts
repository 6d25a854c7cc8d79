// Images for a pod's containers: imagePullPolicy (Always / IfNotPresent / Never, defaulted from the tag as
// the API server does), imagePullSecrets as registry credentials, and the pull back-off behind
// ErrImagePull → ImagePullBackOff, both with the registry's reason (`Failed to pull image "x": <reason>`, then
// `Back-off pulling image "x": ErrImagePull: <reason>` as Kubernetes 1.32). Events: Pulling, Pulled, Failed, BackOff.
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { AuthConfig, ImageService } from '../../engine/types/runtime.ts';
import type { EventRecorder } from '../client/types.ts';
import type { KObject } from '../types/meta.ts';
import type { Backoff } from './backoff.ts';
import type { SourceLookup } from './env.ts';

/** the container waits with this reason (ErrImagePull, ImagePullBackOff, ErrImageNeverPull) */
export class ImageError extends Error {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.reason = reason;
  }
}

export function pullPolicyOf(c: Container): 'Always' | 'IfNotPresent' | 'Never' {
  if (c.imagePullPolicy) return c.imagePullPolicy as 'Always' | 'IfNotPresent' | 'Never';
  const image = c.image ?? '';
  const tag = /:([\w][\w.-]{0,127})$/.exec(image.split('@')[0].split('/').pop() ?? '')?.[1];
  return image.includes('@') ? 'IfNotPresent' : !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** the registry host of an image reference (docker.io when none is named) */
export function registryOf(image: string): string {
  const first = image.split('/')[0];
  return image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : 'docker.io';
}

const normalizeRegistry = (k: string) => {
  const host = k.replace(/^https?:\/\//, '').split('/')[0];
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
};

/** credentials for `image` from the pod's imagePullSecrets (dockerconfigjson / dockercfg) */
export async function pullAuth(pod: Pod, image: string, lookup: SourceLookup): Promise<AuthConfig | undefined> {
  const want = registryOf(image);
  for (const ref of pod.spec?.imagePullSecrets ?? []) {
    const s = ref.name ? await lookup.secret(pod.metadata?.namespace ?? 'default', ref.name) : undefined;
    if (!s) continue;
    let auths: Record<string, { auth?: string; username?: string; password?: string }> = {};
    try {
      if (s['.dockerconfigjson']) auths = (JSON.parse(s['.dockerconfigjson']) as { auths?: typeof auths }).auths ?? {};
      else if (s['.dockercfg']) auths = JSON.parse(s['.dockercfg']) as typeof auths;
    } catch {
      continue; // a malformed secret is skipped, as the kubelet's keyring does
    }
    for (const [k, a] of Object.entries(auths)) {
      if (normalizeRegistry(k) !== want) continue;
      let { username, password } = a;
      if (a.auth && !username) [username, password] = Buffer.from(a.auth, 'base64').toString('utf8').split(/:(.*)/s);
      return { username, password, serverAddress: k };
    }
  }
  return undefined;
}

export interface EnsureImageDeps {
  images: ImageService; recorder: EventRecorder; pullBackoff: Backoff; lookup: SourceLookup;
  /** the last failed pull's reason by `<pod uid>/<image>`: ImagePullBackOff's message carries it (as the kubelet's prevPullErrMsg) */
  pullErrors: Map<string, string>;
}

/** makes the container's image present per its pull policy; throws ImageError for the container's waiting state */
export async function ensureImage(d: EnsureImageDeps, pod: Pod, c: Container): Promise<string> {
  const image = c.image ?? '';
  const policy = pullPolicyOf(c);
  const ev = (type: 'Normal' | 'Warning', reason: string, msg: string) => d.recorder.event(pod as KObject, type, reason, msg);
  const present = await d.images.imageStatus({ image });
  if (policy === 'Never') {
    if (present) return present.id;
    const msg = `Container image "${image}" is not present with pull policy of Never`;
    ev('Warning', 'ErrImageNeverPull', msg);
    throw new ImageError('ErrImageNeverPull', msg);
  }
  if (policy === 'IfNotPresent' && present) {
    ev('Normal', 'Pulled', `Container image "${image}" already present on machine`);
    return present.id;
  }
  const key = `${pod.metadata?.uid}/${image}`;
  if (d.pullBackoff.inBackoffSinceUpdate(key)) {
    const msg = `Back-off pulling image "${image}"`;
    ev('Normal', 'BackOff', msg);
    ev('Warning', 'Failed', 'Error: ImagePullBackOff');
    const last = d.pullErrors.get(key);
    throw new ImageError('ImagePullBackOff', last ? `${msg}: ${last}` : msg);
  }
  d.pullErrors.delete(key);
  ev('Normal', 'Pulling', `Pulling image "${image}"`);
  const t0 = performance.now();
  try {
    const id = await d.images.pullImage({ image }, await pullAuth(pod, image, d.lookup));
    const s = ((performance.now() - t0) / 1000).toFixed(3);
    const size = (await d.images.imageStatus({ image }))?.size;
    ev('Normal', 'Pulled', `Successfully pulled image "${image}" in ${s}s (${s}s including waiting).${size ? ` Image size: ${size} bytes.` : ''}`);
    d.pullBackoff.forget(key);
    return id;
  } catch (err) {
    d.pullBackoff.next(key, Date.now());
    const reason = (err as Error).message;
    d.pullErrors.set(key, `ErrImagePull: ${reason}`);
    const msg = `Failed to pull image "${image}": ${reason}`;
    ev('Warning', 'Failed', msg);
    ev('Warning', 'Failed', 'Error: ErrImagePull');
    throw new ImageError('ErrImagePull', msg);
  }
}
