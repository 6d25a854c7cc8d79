// Priority (kube-apiserver's plugin of that name): a pod's spec.priority comes from its PriorityClass (one
// that does not exist is refused, a priority that contradicts the class too), or from the global default class
// when it names none; and only one PriorityClass may be the global default.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import type { KObject } from '../../types/meta.ts';
import { R } from '../../types/gvr.ts';
import { forbiddenError, isStatusError } from '../../types/status-error.ts';
import type { AdmissionDeps, AdmissionPlugin, AdmissionRequest } from './types.ts';

type Pc = PriorityClass & KObject;

const isKind = (req: AdmissionRequest, group: string, resource: string) => req.spec.group === group && req.spec.resource === resource && !req.subresource;

export function createPriority(deps: AdmissionDeps): AdmissionPlugin {
  const classes = async () => (await deps.client.list<Pc>(R.priorityclasses, undefined)).items;
  /** the global default with the smallest value (kube's getDefaultPriority), if any */
  const globalDefault = async () => (await classes()).filter((c) => c.globalDefault).sort((a, b) => a.value - b.value)[0];

  async function admitPod(req: AdmissionRequest, pod: Pod): Promise<void> {
    const spec = pod.spec!;
    const forbid = (why: string) => forbiddenError(`pods "${req.name}" is forbidden: ${why}`);
    let pc: Pc | undefined;
    if (spec.priorityClassName) {
      try {
        pc = await deps.client.get<Pc>(R.priorityclasses, undefined, spec.priorityClassName);
      } catch (err) {
        if (isStatusError(err, 'NotFound')) throw forbid(`no PriorityClass with name ${spec.priorityClassName} was found`);
        throw err;
      }
      // (defaulting writes 0 only for a pod that names no class)
      if (spec.priority != null && spec.priority !== pc.value) {
        throw forbid(`the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${pc.value} from the given PriorityClass name`);
      }
    } else {
      pc = await globalDefault();
      if (!pc) return;
      spec.priorityClassName = pc.metadata?.name;
    }
    spec.priority = pc.value;
    if (pc.preemptionPolicy) spec.preemptionPolicy = pc.preemptionPolicy;
  }

  return {
    name: 'Priority',
    async admit(req) {
      if (req.operation !== 'CREATE' || !isKind(req, '', 'pods') || !req.object) return;
      await admitPod(req, req.object as Pod);
    },
    async validate(req) {
      if ((req.operation !== 'CREATE' && req.operation !== 'UPDATE') || !isKind(req, 'scheduling.k8s.io', 'priorityclasses')) return;
      const pc = req.object as Pc | undefined;
      if (!pc?.globalDefault) return;
      const other = (await classes()).find((c) => c.globalDefault && c.metadata?.name !== req.name);
      if (other) throw forbiddenError(`priorityclasses.scheduling.k8s.io "${req.name}" is forbidden: PriorityClass ${other.metadata?.name} is already marked as default. Only one default can exist`);
    },
  };
}
