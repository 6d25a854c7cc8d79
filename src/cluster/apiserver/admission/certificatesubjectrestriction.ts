// CertificateSubjectRestriction (kube-apiserver's plugin of that name): a CertificateSigningRequest for the
// kubernetes.io/kube-apiserver-client signer may not ask for the group system:masters — a certificate naming
// it would be allowed everything, past any authorization.
import { forbiddenError } from '../../types/status-error.ts';
import { parseCsrPem } from '../../certificates/index.ts';
import type { AdmissionPlugin, AdmissionRequest } from './types.ts';

export const KUBE_APISERVER_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';

export function createCertificateSubjectRestriction(): AdmissionPlugin {
  return {
    name: 'CertificateSubjectRestriction',
    validate(req: AdmissionRequest) {
      if (req.operation !== 'CREATE' || req.subresource || req.spec.group !== 'certificates.k8s.io' || req.spec.resource !== 'certificatesigningrequests') return;
      const spec = req.object?.spec as { signerName?: string; request?: string } | undefined;
      if (spec?.signerName !== KUBE_APISERVER_CLIENT_SIGNER) return;
      // validation has parsed the request already; one that does not parse never gets here
      const csr = parseCsrPem(Buffer.from(spec.request ?? '', 'base64').toString('latin1'));
      if (csr.organizations.includes('system:masters')) {
        throw forbiddenError(`certificatesigningrequests.certificates.k8s.io "${req.name}" is forbidden: use of ${KUBE_APISERVER_CLIENT_SIGNER} signer with system:masters group is not allowed`);
      }
    },
  };
}
