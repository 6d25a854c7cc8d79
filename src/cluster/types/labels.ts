// Label and field selectors, as Kubernetes parses and matches them (k8s.io/apimachinery/pkg/labels, fields).
//   `app=web,tier!=db`, `env in (prod,staging)`, `!canary`, `track` ; fields: `spec.nodeName=n1,status.phase!=Failed`
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { badRequestError } from './status-error.ts';

export type Operator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | '=' | '!=';

export interface Requirement {
  key: string;
  op: Operator;
  values: string[];
}

type Labels = Record<string, string> | undefined;

/** Parses a label selector string; '' selects everything. Throws 400 BadRequest on bad syntax. */
export function parseLabelSelector(s: string): Requirement[] {
  const out: Requirement[] = [];
  for (const part of splitTopLevel(s)) {
    const t = part.trim();
    if (!t) continue;
    let m: RegExpMatchArray | null;
    if ((m = t.match(/^!\s*([A-Za-z0-9._\/-]+)$/))) out.push({ key: m[1], op: 'DoesNotExist', values: [] });
    else if ((m = t.match(/^([A-Za-z0-9._\/-]+)\s+(in|notin)\s*\(([^)]*)\)$/))) {
      out.push({ key: m[1], op: m[2] === 'in' ? 'In' : 'NotIn', values: m[3].split(',').map((v) => v.trim()) });
    } else if ((m = t.match(/^([A-Za-z0-9._\/-]+)\s*(==|=|!=)\s*([A-Za-z0-9._-]*)$/))) {
      out.push({ key: m[1], op: m[2] === '!=' ? '!=' : '=', values: [m[3]] });
    } else if ((m = t.match(/^([A-Za-z0-9._\/-]+)$/))) out.push({ key: m[1], op: 'Exists', values: [] });
    else throw badRequestError(`unable to parse requirement: found '${t}', expected: '=', '!=', '==', 'in', notin'`);
  }
  return out;
}

function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}

export function matchesRequirements(reqs: Requirement[], labels: Labels): boolean {
  const l = labels ?? {};
  for (const r of reqs) {
    const has = Object.hasOwn(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      case '=': case 'In': if (!has || !r.values.includes(v)) return false; break;
      case '!=': case 'NotIn': if (has && r.values.includes(v)) return false; break;
    }
  }
  return true;
}

/** A LabelSelector object (matchLabels + matchExpressions) as requirements. Invalid operator → 400. */
export function requirementsOf(sel: LabelSelector): Requirement[] {
  const reqs: Requirement[] = Object.entries(sel.matchLabels ?? {}).map(([key, v]) => ({ key, op: '=' as const, values: [v] }));
  for (const e of sel.matchExpressions ?? []) {
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(e.operator)) throw badRequestError(`"${e.operator}" is not a valid label selector operator`);
    reqs.push({ key: e.key, op: e.operator as Operator, values: e.values ?? [] });
  }
  return reqs;
}

/**
 * Kubernetes semantics (LabelSelectorAsSelector): an absent selector matches nothing, an empty one everything.
 */
export function matchesLabelSelector(sel: LabelSelector | undefined | null, labels: Labels): boolean {
  if (!sel) return false;
  return matchesRequirements(requirementsOf(sel), labels);
}

/** `app=web,tier in (a,b)` — the string form (for list calls and status.selector) */
export function labelSelectorToString(sel: LabelSelector): string {
  return requirementsOf(sel)
    .map((r) => {
      switch (r.op) {
        case '=': return `${r.key}=${r.values[0]}`;
        case '!=': return `${r.key}!=${r.values[0]}`;
        case 'In': return `${r.key} in (${[...r.values].sort().join(',')})`;
        case 'NotIn': return `${r.key} notin (${[...r.values].sort().join(',')})`;
        case 'Exists': return r.key;
        case 'DoesNotExist': return `!${r.key}`;
      }
    })
    .join(',');
}

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

/** `metadata.name=web,status.phase!=Running`; '' selects everything. Throws 400 on bad syntax. */
export function parseFieldSelector(s: string): FieldRequirement[] {
  const out: FieldRequirement[] = [];
  for (const part of s.split(',')) {
    const t = part.trim();
    if (!t) continue;
    const m = t.match(/^([^=!]+?)\s*(==|=|!=)\s*(.*)$/);
    if (!m) throw badRequestError(`invalid selector: '${s}'; can't understand '${t}'`);
    out.push({ field: m[1], op: m[2] === '!=' ? '!=' : '=', value: m[3] });
  }
  return out;
}
