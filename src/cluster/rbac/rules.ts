// Matching one PolicyRule against a request (kube's RuleAllows: verbs, API groups, resources with `*` and
// `*/subresource`, resource names, non-resource URLs with a trailing `*`), and whether a set of rules covers
// another (kube's Covers, for the escalation checks on Role and binding writes).
import type { Attributes, PolicyRule } from './types.ts';

const has = (set: readonly string[] | undefined, v: string) => (set ?? []).includes(v);
const hasAll = (set: readonly string[] | undefined, vs: readonly string[] | undefined) => (vs ?? []).every((v) => has(set, v));

export function ruleAllows(rule: PolicyRule, a: Attributes): boolean {
  if (!has(rule.verbs, '*') && !has(rule.verbs, a.verb)) return false;
  if (!a.resourceRequest) return (rule.nonResourceURLs ?? []).some((u) => urlMatches(u, a.path));
  if (!has(rule.apiGroups, '*') && !has(rule.apiGroups, a.apiGroup)) return false;
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  if (!(rule.resources ?? []).some((r) => r === '*' || r === combined || (!!a.subresource && r === `*/${a.subresource}`))) return false;
  return !rule.resourceNames?.length || has(rule.resourceNames, a.name ?? '');
}

/** `/apis/*` matches every path under /apis/ */
function urlMatches(rule: string, path: string): boolean {
  if (rule === '*' || rule === path) return true;
  return rule.endsWith('*') && path.startsWith(rule.replace(/\*+$/, ''));
}

export function rulesAllow(rules: readonly PolicyRule[], a: Attributes): boolean {
  return rules.some((r) => ruleAllows(r, a));
}

/** One rule per verb × group × resource × name (or per verb × URL): what Covers checks one at a time */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs) {
        if (rule.resourceNames?.length) for (const name of rule.resourceNames) out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] });
        else out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) for (const verb of rule.verbs) out.push({ nonResourceURLs: [url], verbs: [verb] });
  return out;
}

function resourcesCover(owner: readonly string[], wanted: readonly string[]): boolean {
  if (has(owner, '*') || hasAll(owner, wanted)) return true;
  return wanted.every((r) => has(owner, r) || (r.includes('/') && has(owner, `*/${r.split('/').slice(1).join('/')}`)));
}

const urlsCover = (owner: readonly string[], wanted: readonly string[]) => wanted.every((u) => owner.some((o) => urlMatches(o, u)));

function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = has(owner.verbs, '*') || hasAll(owner.verbs, sub.verbs);
  const groups = has(owner.apiGroups, '*') || hasAll(owner.apiGroups, sub.apiGroups);
  const resources = resourcesCover(owner.resources ?? [], sub.resources ?? []);
  const urls = urlsCover(owner.nonResourceURLs ?? [], sub.nonResourceURLs ?? []);
  const names = sub.resourceNames?.length ? !owner.resourceNames?.length || hasAll(owner.resourceNames, sub.resourceNames) : !owner.resourceNames?.length;
  return verbs && groups && resources && urls && names;
}

/** The parts of `wanted` that no rule of `owner` covers (empty: owner holds every permission wanted grants) */
export function uncoveredRules(owner: readonly PolicyRule[], wanted: readonly PolicyRule[]): PolicyRule[] {
  return wanted.flatMap(breakdownRule).filter((sub) => !owner.some((o) => ruleCovers(o, sub)));
}

/** Go's %q of a []string: ["a" "b"] */
const quoted = (vs: readonly string[]) => `[${vs.map((v) => JSON.stringify(v)).join(' ')}]`;

/** kube's CompactString: {APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]} */
export function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${quoted(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${quoted(r.resources)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${quoted(r.nonResourceURLs)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${quoted(r.resourceNames)}`);
  if (r.verbs?.length) parts.push(`Verbs:${quoted(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}

/** Simple rules (one group, resource, name) merged when only their verbs differ (kube's CompactRules) */
export function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const merged = new Map<string, PolicyRule>();
  const out: PolicyRule[] = [];
  for (const r of rules) {
    const key = r.resources?.length === 1 && (r.apiGroups?.length ?? 0) === 1 && (r.resourceNames?.length ?? 0) <= 1 && !r.nonResourceURLs?.length
      ? JSON.stringify([r.apiGroups, r.resources, r.resourceNames ?? []]) : undefined;
    const prev = key === undefined ? undefined : merged.get(key);
    if (prev) {
      for (const v of r.verbs) if (!prev.verbs.includes(v)) prev.verbs.push(v);
      continue;
    }
    const copy = { ...r, verbs: [...r.verbs] };
    if (key !== undefined) merged.set(key, copy);
    out.push(copy);
  }
  return out;
}
