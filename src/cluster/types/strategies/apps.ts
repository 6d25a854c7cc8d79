// Workload strategies: Deployment, ReplicaSet, DaemonSet, StatefulSet, ControllerRevision (apps/v1) and the
// core ReplicationController. Defaults from pkg/apis/apps/v1/defaults.go, validation from pkg/apis/apps/validation.
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet, ControllerRevision } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec, ReplicationController } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { KObject } from '../meta.ts';
import { forbidden, invalid, notSupported, required, type FieldError } from '../status-error.ts';
import { matchesLabelSelector, matchesRequirements } from '../labels.ts';
import { eachInvalid, intOrPercent, intOrPercentValue, isLabelValue, isQualifiedName, nameIsDNSSubdomain, nonNegative } from './names.ts';
import { immutable, validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import { defaultPodTemplate } from './pod-defaults.ts';
import { validatePodTemplate } from './pod-validation.ts';
import type { Strategy } from './types.ts';

/** Go's %#v of a map[string]string, as Kubernetes prints template labels in the selector mismatch error. */
export const goStringMap = (m: Record<string, string> | undefined): string =>
  m ? `map[string]string{${Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(', ')}}` : 'map[string]string(nil)';

/** unversionedvalidation.ValidateLabelSelector: keys, operators, values. */
export function validateLabelSelector(sel: LabelSelector, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [i, e] of (sel.matchExpressions ?? []).entries()) {
    const ef = `${field}.matchExpressions[${i}]`;
    if (e.operator === 'In' || e.operator === 'NotIn') {
      if (!e.values?.length) errs.push(required(`${ef}.values`, 'must be specified when `operator` is \'In\' or \'NotIn\''));
    } else if (e.operator === 'Exists' || e.operator === 'DoesNotExist') {
      if (e.values?.length) errs.push(forbidden(`${ef}.values`, 'may not be specified when `operator` is \'Exists\' or \'DoesNotExist\''));
    } else errs.push(invalid(`${ef}.operator`, e.operator, 'not a valid selector operator'));
    errs.push(...eachInvalid(`${ef}.key`, e.key, isQualifiedName(e.key)));
  }
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    errs.push(...eachInvalid(`${field}.matchLabels`, k, isQualifiedName(k)));
    errs.push(...eachInvalid(`${field}.matchLabels`, v, isLabelValue(v)));
  }
  return errs;
}

/**
 * Selector present, non-empty and matching the template's labels; the template valid with restartPolicy Always
 * (ValidateDeploymentSpec / ReplicaSetSpec / DaemonSetSpec / StatefulSetSpec share this).
 */
export function validateSelectorAndTemplate(sel: LabelSelector | undefined, t: PodTemplateSpec | undefined, kindWord: string, kind: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!sel) errs.push(required('spec.selector'));
  else {
    errs.push(...validateLabelSelector(sel, 'spec.selector'));
    if (Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions ?? []).length === 0) {
      errs.push(invalid('spec.selector', sel, `empty selector is invalid for ${kindWord}`));
    }
  }
  if (!t) return [...errs, required('spec.template')];
  let matches = true;
  try {
    matches = !sel || matchesLabelSelector(sel, t.metadata?.labels ?? {});
  } catch {
    errs.push(invalid('spec.selector', sel, 'invalid label selector'));
  }
  // Kubernetes prints the labels Go-style (map[string]string{"app":"web"}); formatFieldError prints JSON
  if (!matches) errs.push(invalid('spec.template.metadata.labels', t.metadata?.labels ?? {}, '`selector` does not match template `labels`'));
  errs.push(...validatePodTemplate(t, 'spec.template'));
  if (t.spec && t.spec.restartPolicy !== 'Always') errs.push(notSupported('spec.template.spec.restartPolicy', t.spec.restartPolicy ?? '', ['Always']));
  if (t.spec?.activeDeadlineSeconds != null) errs.push(forbidden('spec.template.spec.activeDeadlineSeconds', `activeDeadlineSeconds in ${kind} is not Supported`));
  return errs;
}

const meta = (o: KObject) => validateObjectMeta(o.metadata, nameIsDNSSubdomain);

export const deploymentStrategy: Strategy = {
  defaults(o) {
    const d = o as Deployment;
    if (!d.spec) return;
    const s = d.spec;
    s.replicas ??= 1;
    s.strategy ??= {};
    s.strategy.type ||= 'RollingUpdate';
    if (s.strategy.type === 'RollingUpdate') {
      s.strategy.rollingUpdate ??= {};
      s.strategy.rollingUpdate.maxUnavailable ??= '25%';
      s.strategy.rollingUpdate.maxSurge ??= '25%';
    }
    s.revisionHistoryLimit ??= 10;
    s.progressDeadlineSeconds ??= 600;
    defaultPodTemplate(s.template);
  },
  validate(o) {
    const d = o as Deployment;
    const s = d.spec;
    if (!s) return [...meta(o), required('spec')];
    const errs = [...meta(o), ...nonNegative('spec.replicas', s.replicas), ...validateSelectorAndTemplate(s.selector, s.template, 'deployment', 'ReplicaSet')];
    const st = s.strategy ?? {};
    if (st.type === 'Recreate') {
      if (st.rollingUpdate) errs.push(forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
    } else if (st.type === 'RollingUpdate') {
      const ru = st.rollingUpdate ?? {};
      errs.push(...intOrPercent('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, true));
      errs.push(...intOrPercent('spec.strategy.rollingUpdate.maxSurge', ru.maxSurge));
      if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
        errs.push(invalid('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'));
      }
    } else errs.push(notSupported('spec.strategy.type', st.type ?? '', ['Recreate', 'RollingUpdate']));
    errs.push(...nonNegative('spec.revisionHistoryLimit', s.revisionHistoryLimit));
    errs.push(...nonNegative('spec.minReadySeconds', s.minReadySeconds));
    errs.push(...nonNegative('spec.progressDeadlineSeconds', s.progressDeadlineSeconds));
    if (s.progressDeadlineSeconds != null && s.progressDeadlineSeconds <= (s.minReadySeconds ?? 0)) {
      errs.push(invalid('spec.progressDeadlineSeconds', s.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
    const rollbackTo = (s as { rollbackTo?: { revision?: number } }).rollbackTo;
    if (rollbackTo) errs.push(...nonNegative('spec.rollbackTo.revision', rollbackTo.revision));
    return errs;
  },
  validateUpdate(o, old) {
    return [...validateObjectMetaUpdate(o.metadata, old.metadata), ...deploymentStrategy.validate(o), ...immutable('spec.selector', (o as Deployment).spec?.selector, (old as Deployment).spec?.selector)];
  },
};

export const replicaSetStrategy: Strategy = {
  defaults(o) {
    const rs = o as ReplicaSet;
    if (!rs.spec) return;
    rs.spec.replicas ??= 1;
    defaultPodTemplate(rs.spec.template);
  },
  validate(o) {
    const s = (o as ReplicaSet).spec;
    if (!s) return [...meta(o), required('spec')];
    return [...meta(o), ...nonNegative('spec.replicas', s.replicas), ...nonNegative('spec.minReadySeconds', s.minReadySeconds), ...validateSelectorAndTemplate(s.selector, s.template, 'deployment', 'ReplicaSet')];
  },
  validateUpdate(o, old) {
    return [...validateObjectMetaUpdate(o.metadata, old.metadata), ...replicaSetStrategy.validate(o), ...immutable('spec.selector', (o as ReplicaSet).spec?.selector, (old as ReplicaSet).spec?.selector)];
  },
};

export const replicationControllerStrategy: Strategy = {
  defaults(o) {
    const rc = o as ReplicationController;
    if (!rc.spec) return;
    const labels = rc.spec.template?.metadata?.labels;
    if (labels) {
      // SetDefaults_ReplicationController: an empty selector and empty labels come from the template
      if (!rc.spec.selector || Object.keys(rc.spec.selector).length === 0) rc.spec.selector = { ...labels };
      rc.metadata ??= {};
      if (!rc.metadata.labels || Object.keys(rc.metadata.labels).length === 0) rc.metadata.labels = { ...labels };
    }
    rc.spec.replicas ??= 1;
    defaultPodTemplate(rc.spec.template);
  },
  validate(o) {
    const s = (o as ReplicationController).spec;
    if (!s) return [...meta(o), required('spec')];
    const errs = [...meta(o), ...nonNegative('spec.replicas', s.replicas), ...nonNegative('spec.minReadySeconds', s.minReadySeconds)];
    const sel = s.selector ?? {};
    if (Object.keys(sel).length === 0) errs.push(required('spec.selector'));
    errs.push(...validateLabels(sel, 'spec.selector'));
    const t = s.template;
    if (!t) return [...errs, required('spec.template')];
    const reqs = Object.entries(sel).map(([key, v]) => ({ key, op: '=' as const, values: [v] }));
    if (reqs.length > 0 && !matchesRequirements(reqs, t.metadata?.labels ?? {})) {
      errs.push(invalid('spec.template.metadata.labels', t.metadata?.labels ?? {}, '`selector` does not match template `labels`'));
    }
    errs.push(...validatePodTemplate(t, 'spec.template'));
    if (t.spec && t.spec.restartPolicy !== 'Always') errs.push(notSupported('spec.template.spec.restartPolicy', t.spec.restartPolicy ?? '', ['Always']));
    return errs;
  },
  validateUpdate(o, old) {
    return [...validateObjectMetaUpdate(o.metadata, old.metadata), ...replicationControllerStrategy.validate(o)];
  },
};

export const daemonSetStrategy: Strategy = {
  defaults(o) {
    const ds = o as DaemonSet;
    if (!ds.spec) return;
    const s = ds.spec;
    s.updateStrategy ??= {};
    s.updateStrategy.type ||= 'RollingUpdate';
    if (s.updateStrategy.type === 'RollingUpdate') {
      s.updateStrategy.rollingUpdate ??= {};
      s.updateStrategy.rollingUpdate.maxUnavailable ??= 1;
      s.updateStrategy.rollingUpdate.maxSurge ??= 0;
    }
    s.revisionHistoryLimit ??= 10;
    defaultPodTemplate(s.template);
  },
  validate(o) {
    const s = (o as DaemonSet).spec;
    if (!s) return [...meta(o), required('spec')];
    const errs = [...meta(o), ...validateSelectorAndTemplate(s.selector, s.template, 'daemonset', 'DaemonSet'), ...nonNegative('spec.minReadySeconds', s.minReadySeconds)];
    const u = s.updateStrategy ?? {};
    if (u.type === 'RollingUpdate') {
      const ru = u.rollingUpdate ?? {};
      errs.push(...intOrPercent('spec.updateStrategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, true));
      errs.push(...intOrPercent('spec.updateStrategy.rollingUpdate.maxSurge', ru.maxSurge, true));
      if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
        errs.push(invalid('spec.updateStrategy.rollingUpdate.maxUnavailable', ru.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'));
      }
    } else if (u.type !== 'OnDelete') errs.push(notSupported('spec.updateStrategy.type', u.type ?? '', ['OnDelete', 'RollingUpdate']));
    errs.push(...nonNegative('spec.revisionHistoryLimit', s.revisionHistoryLimit));
    return errs;
  },
  validateUpdate(o, old) {
    return [...validateObjectMetaUpdate(o.metadata, old.metadata), ...daemonSetStrategy.validate(o), ...immutable('spec.selector', (o as DaemonSet).spec?.selector, (old as DaemonSet).spec?.selector)];
  },
};

/**
 * The template as its pods will have it: each volumeClaimTemplate is a claim volume of the same name, so a volume
 * mount may name one (Kubernetes skips the template's pod spec validation for this; we check the rest of it).
 */
function withClaimVolumes(s: NonNullable<StatefulSet['spec']>): PodTemplateSpec | undefined {
  const t = s.template;
  if (!t?.spec || !s.volumeClaimTemplates?.length) return t;
  const names = new Set(s.volumeClaimTemplates.map((c) => c.metadata?.name ?? ''));
  const volumes = [
    ...[...names].map((name) => ({ name, persistentVolumeClaim: { claimName: name } })),
    ...(t.spec.volumes ?? []).filter((v) => !names.has(v.name)),
  ];
  return { ...t, spec: { ...t.spec, volumes } };
}

export const statefulSetStrategy: Strategy = {
  defaults(o) {
    const sts = o as StatefulSet;
    if (!sts.spec) return;
    const s = sts.spec;
    s.podManagementPolicy ||= 'OrderedReady';
    s.updateStrategy ??= {};
    s.updateStrategy.type ||= 'RollingUpdate';
    if (s.updateStrategy.type === 'RollingUpdate') {
      s.updateStrategy.rollingUpdate ??= {};
      s.updateStrategy.rollingUpdate.partition ??= 0;
    }
    s.persistentVolumeClaimRetentionPolicy ??= {};
    s.persistentVolumeClaimRetentionPolicy.whenDeleted ||= 'Retain';
    s.persistentVolumeClaimRetentionPolicy.whenScaled ||= 'Retain';
    s.replicas ??= 1;
    s.revisionHistoryLimit ??= 10;
    for (const pvc of s.volumeClaimTemplates ?? []) {
      pvc.apiVersion ||= 'v1';
      pvc.kind ||= 'PersistentVolumeClaim';
      if (pvc.spec) pvc.spec.volumeMode ||= 'Filesystem';
      const w = pvc as { status?: { phase?: string } };
      w.status ??= { phase: 'Pending' };
    }
    defaultPodTemplate(s.template);
  },
  validate(o) {
    const s = (o as StatefulSet).spec;
    if (!s) return [...meta(o), required('spec')];
    const errs = [...meta(o), ...nonNegative('spec.replicas', s.replicas), ...validateSelectorAndTemplate(s.selector, withClaimVolumes(s), 'statefulset', 'StatefulSet')];
    // ValidateStatefulSetSpec's words (Invalid, not NotSupported, for these two)
    if (!s.podManagementPolicy) errs.push(required('spec.podManagementPolicy'));
    else if (s.podManagementPolicy !== 'OrderedReady' && s.podManagementPolicy !== 'Parallel') {
      errs.push(invalid('spec.podManagementPolicy', s.podManagementPolicy, 'must be \'OrderedReady\' or \'Parallel\''));
    }
    const u = s.updateStrategy ?? {};
    if (u.type === 'RollingUpdate') errs.push(...nonNegative('spec.updateStrategy.rollingUpdate.partition', u.rollingUpdate?.partition));
    else if (u.type === 'OnDelete') {
      if (u.rollingUpdate) errs.push(invalid('spec.updateStrategy.rollingUpdate', u.rollingUpdate, 'only allowed for updateStrategy \'RollingUpdate\''));
    } else if (!u.type) errs.push(required('spec.updateStrategy'));
    else errs.push(invalid('spec.updateStrategy', u, 'must be \'RollingUpdate\' or \'OnDelete\''));
    if (s.ordinals) errs.push(...nonNegative('spec.ordinals.start', s.ordinals.start));
    for (const [k, v] of Object.entries(s.persistentVolumeClaimRetentionPolicy ?? {})) {
      if (v !== 'Retain' && v !== 'Delete') errs.push(notSupported(`spec.persistentVolumeClaimRetentionPolicy.${k}`, v, ['Retain', 'Delete']));
    }
    errs.push(...nonNegative('spec.revisionHistoryLimit', s.revisionHistoryLimit));
    errs.push(...nonNegative('spec.minReadySeconds', s.minReadySeconds));
    return errs;
  },
  validateUpdate(o, old) {
    const errs = [...validateObjectMetaUpdate(o.metadata, old.metadata), ...statefulSetStrategy.validate(o)];
    const n = structuredClone((o as StatefulSet).spec ?? {}) as Record<string, unknown>;
    const p = structuredClone((old as StatefulSet).spec ?? {}) as Record<string, unknown>;
    for (const f of ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds']) {
      delete n[f];
      delete p[f];
    }
    if (immutable('spec', n, p).length > 0) {
      errs.push(forbidden('spec', "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
    }
    return errs;
  },
};

export const controllerRevisionStrategy: Strategy = {
  defaults() {},
  validate(o) {
    const r = o as unknown as ControllerRevision;
    return [...meta(o), ...nonNegative('revision', r.revision)];
  },
  validateUpdate(o, old) {
    return [...validateObjectMetaUpdate(o.metadata, old.metadata), ...controllerRevisionStrategy.validate(o), ...immutable('data', o.data, old.data)];
  },
};
