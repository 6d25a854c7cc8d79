// The CSR signing controller (kube-controller-manager's csrsigning, the kube-apiserver-client signer): an
// approved CertificateSigningRequest for kubernetes.io/kube-apiserver-client, not failed and not yet issued,
// gets a certificate signed by the cluster CA in status.certificate (valid for spec.expirationSeconds, at most
// the signing duration); one whose usages a client certificate cannot have, or whose signature does not
// verify, gets a Failed condition (SignerValidationFailure) instead. Other signers are left to their own.
import type { CertificateSigningRequest, CertificateSigningRequestCondition } from 'kubernetes-types/certificates/v1.js';
import type { Controller, ControllerContext, ReconcileResult } from '../../client/types.ts';
import { createWorkQueue, runWorkers } from '../../client/index.ts';
import { objectKey, type KObject } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { isStatusError } from '../../types/status-error.ts';
import { csrSignatureValid, parseCsrPem, signCertificate, type SigningCa } from '../../certificates/index.ts';
import { logger } from '../../../lib/log.ts';

type Csr = CertificateSigningRequest & KObject;

export const KUBE_APISERVER_CLIENT = 'kubernetes.io/kube-apiserver-client';
/** kube-controller-manager's --cluster-signing-duration */
export const DEFAULT_SIGNING_DURATION_S = 365 * 24 * 3600;

export interface CsrSigningOptions {
  ca: SigningCa;
  /** the longest a certificate is valid (default one year) */
  maxDurationSeconds?: number;
}

const log = logger('csrsigning');
const has = (csr: Csr, type: string) => !!csr.status?.conditions?.some((c) => c.type === type && c.status === 'True');

/** validAPIServerClientUsages: digital signature and key encipherment may be asked, client auth must be */
export function clientUsagesError(usages: readonly string[]): string | undefined {
  for (const u of usages) if (!['digital signature', 'key encipherment', 'client auth'].includes(u)) return `invalid usage for client certificate: ${u}`;
  return usages.includes('client auth') ? undefined : 'missing required usage for client certificate: client auth';
}

export function createCsrSigningController(ctx: ControllerContext, opts: CsrSigningOptions): Controller {
  const name = 'csrsigning';
  const csrs = ctx.informers.informer<Csr>(R.certificatesigningrequests);
  const queue = createWorkQueue({ name });
  csrs.on({ add: (c) => queue.add(objectKey(c)), update: (_, c) => queue.add(objectKey(c)) });
  const maxSeconds = opts.maxDurationSeconds ?? DEFAULT_SIGNING_DURATION_S;
  const stamp = () => ctx.now().toISOString().replace(/\.\d{3}Z$/, 'Z');

  async function writeStatus(csr: Csr, status: Csr['status']): Promise<void> {
    try {
      await ctx.client.update(R.certificatesigningrequests, undefined, { ...csr, status }, { subresource: 'status' });
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) throw err;
    }
  }

  async function reconcile(key: string): Promise<ReconcileResult> {
    const csr = csrs.get(key);
    if (!csr || csr.spec?.signerName !== KUBE_APISERVER_CLIENT) return;
    if (!has(csr, 'Approved') || has(csr, 'Failed') || has(csr, 'Denied') || csr.status?.certificate) return;
    const fail = (message: string) => {
      const failed: CertificateSigningRequestCondition = { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message, lastUpdateTime: stamp() };
      return writeStatus(csr, { ...csr.status, conditions: [...(csr.status?.conditions ?? []), failed] });
    };
    const parsed = parseCsrPem(Buffer.from(csr.spec.request, 'base64').toString('latin1'));
    const usageError = clientUsagesError(csr.spec.usages ?? []);
    if (usageError) return fail(usageError);
    if (!(await csrSignatureValid(parsed))) return fail('x509: ECDSA verification failure');
    const seconds = Math.min(maxSeconds, csr.spec.expirationSeconds ?? maxSeconds);
    const pem = await signCertificate(opts.ca, parsed, csr.spec.usages ?? [], seconds, ctx.now());
    await writeStatus(csr, { ...csr.status, certificate: Buffer.from(pem).toString('base64') });
    log.info('issued a client certificate', { csr: csr.metadata?.name, commonName: parsed.commonName, seconds });
  }

  return {
    name,
    async run(signal) {
      try {
        await ctx.informers.waitForSync(signal);
      } catch {
        return;
      }
      await runWorkers(queue, 1, reconcile, signal, name);
    },
  };
}
