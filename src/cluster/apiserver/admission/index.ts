// The admission chain's plugins, in the order they run (kube-apiserver's recommended order, for the ones skiff
// has). Each plugin is its own file here; adding one is adding its factory to this list.
import type { AdmissionPlugin, AdmissionPluginFactory, AdmissionRequest } from './types.ts';
import { limitRangerPlugin } from './limitranger.ts';
import { createPriority } from './priority.ts';
import { createDefaultTolerationSeconds } from './defaulttolerationseconds.ts';
import { serviceAccountAdmission } from './serviceaccount.ts';
import { resourceQuotaPlugin } from './resourcequota.ts';
import { rbacEscalation } from './rbacescalation.ts';
import { createCertificateSubjectRestriction } from './certificatesubjectrestriction.ts';

export type { AdmissionPlugin, AdmissionPluginFactory, AdmissionRequest, AdmissionDeps, AdmissionOperation, AdmissionOptions } from './types.ts';

export const admissionPlugins: AdmissionPluginFactory[] = [
  limitRangerPlugin,
  serviceAccountAdmission,
  createPriority,
  createDefaultTolerationSeconds,
  rbacEscalation,
  createCertificateSubjectRestriction,
  // last, as in kube: only what every other plugin let through is counted
  resourceQuotaPlugin,
];

export { serviceAccountAdmission };

/** Every plugin's admit, in order */
export async function admit(plugins: readonly AdmissionPlugin[], req: AdmissionRequest): Promise<void> {
  for (const p of plugins) if (p.admit) await p.admit(req);
}

/** Every plugin's validate, in order */
export async function validateAdmission(plugins: readonly AdmissionPlugin[], req: AdmissionRequest): Promise<void> {
  for (const p of plugins) if (p.validate) await p.validate(req);
}
