// The ServiceAccount admission plugin (kube's plugin/pkg/admission/serviceaccount), for pods on create: the
// account the pod names (`default` unless one is) must exist — the default one is waited for a moment, as the
// controller makes it right after its namespace — and unless the pod or account says
// automountServiceAccountToken: false, the pod gets kube's `kube-api-access-<5>` projected volume (a bound
// token the kubelet requests, the namespace's kube-root-ca.crt, the namespace) mounted read-only at
// /var/run/secrets/kubernetes.io/serviceaccount in every container and init container that has nothing
// there. The account's imagePullSecrets go to a pod that names none.
import { randomInt } from 'node:crypto';
import type { Pod, ServiceAccount, Volume, VolumeMount } from 'kubernetes-types/core/v1.js';
import type { ApiClient } from '../../client/types.ts';
import type { KObject } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { forbiddenError, isStatusError } from '../../types/status-error.ts';
import type { AdmissionPluginFactory } from './types.ts';

export const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const TOKEN_VOLUME_PREFIX = 'kube-api-access-';
/** kube's WarnOnlyBoundTokenExpirationSeconds: the kubelet's pod tokens live 1 h + 7 s */
export const POD_TOKEN_EXPIRATION_SECONDS = 3607;
const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
/** k8s.io/apimachinery/pkg/util/rand's alphabet (no vowels, no look-alikes) */
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

type SA = ServiceAccount & KObject;

/** kube's TokenVolumeSource: token, CA and namespace in one projected volume */
export function tokenVolume(name: string): Volume {
  return {
    name,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: POD_TOKEN_EXPIRATION_SECONDS, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

/** the account, looked up a few times when it is the default one (its controller may not have made it yet) */
async function lookupServiceAccount(client: ApiClient, namespace: string, name: string): Promise<SA | undefined> {
  const attempts = name === 'default' ? 10 : 1;
  const interval = 100 + randomInt(100);
  for (let i = 0; i < attempts; i++) {
    if (i > 0) await sleep(interval);
    try {
      return await client.get<SA>(R.serviceaccounts, namespace, name);
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) throw err;
    }
  }
  return undefined;
}

/** kube's shouldAutomount: the pod's preference, then the account's, else yes */
const shouldAutomount = (sa: SA, pod: Pod) => pod.spec?.automountServiceAccountToken ?? sa.automountServiceAccountToken ?? true;

/** adds the token volume (unless one is there) and its mount to every container without one at the path */
export function mountServiceAccountToken(pod: Pod): void {
  const spec = pod.spec!;
  const existing = (spec.volumes ?? []).find((v) => v.name.startsWith(TOKEN_VOLUME_PREFIX));
  const name = existing?.name ?? TOKEN_VOLUME_PREFIX + Array.from({ length: 5 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  const mount: VolumeMount = { name, readOnly: true, mountPath: TOKEN_MOUNT_PATH };
  let needed = false;
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    if ((c.volumeMounts ?? []).some((m) => m.mountPath === TOKEN_MOUNT_PATH)) continue;
    c.volumeMounts = [...(c.volumeMounts ?? []), { ...mount }];
    needed = true;
  }
  if (needed && !existing) spec.volumes = [...(spec.volumes ?? []), tokenVolume(name)];
}

export const serviceAccountAdmission: AdmissionPluginFactory = ({ client }) => ({
  name: 'ServiceAccount',
  async admit(req) {
    if (req.operation !== 'CREATE' || req.subresource || req.spec.group !== '' || req.spec.kind !== 'Pod' || !req.object) return;
    const pod = req.object as Pod & KObject;
    if (!pod.spec || pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return;
    const ns = req.namespace ?? 'default';
    const saName = (pod.spec.serviceAccountName ||= 'default');
    const sa = await lookupServiceAccount(client, ns, saName);
    if (!sa) throw forbiddenError(`pods "${req.name}" is forbidden: error looking up service account ${ns}/${saName}: serviceaccount "${saName}" not found`);
    if (shouldAutomount(sa, pod)) mountServiceAccountToken(pod);
    if (!pod.spec.imagePullSecrets?.length && sa.imagePullSecrets?.length) pod.spec.imagePullSecrets = sa.imagePullSecrets.map((s) => ({ name: s.name }));
  },
});
