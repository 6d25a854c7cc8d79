// Resource lists as quota arithmetic sees them (k8s.io/apiserver/pkg/quota/v1 resources.go): amounts kept as
// whole milli-units, so `500m` + `0.5` cpu is exactly 1 and `64Mi` + `64Mi` is `128Mi`; printed back in the
// format the inputs used (binary suffixes stay binary), as resource.Quantity keeps its format across Add.
import { cpuMillis, formatMemory } from '../types/quantity.ts';

/** one resource's amount in milli-units, and whether it came written with a binary suffix (Ki, Mi, …) */
export interface Amount {
  milli: number;
  binary: boolean;
}

export type Amounts = Map<string, Amount>;

const binaryRe = /(Ki|Mi|Gi|Ti|Pi|Ei)$/;

/** A quantity as an Amount (Kubernetes' MilliValue: rounded up); throws on bad syntax. */
export function amountOf(q: string | number): Amount {
  return { milli: cpuMillis(q), binary: typeof q === 'string' && binaryRe.test(q) };
}

/** A resource list (`{ pods: '2', 'requests.cpu': '500m' }`) as Amounts; entries that do not parse are skipped. */
export function amountsOf(list: Record<string, string | number> | undefined): Amounts {
  const out: Amounts = new Map();
  for (const [k, v] of Object.entries(list ?? {})) {
    try { out.set(k, amountOf(v)); } catch { /* an invalid quantity never passed validation; nothing to count */ }
  }
  return out;
}

export function addAmounts(a: Amounts, b: Amounts): Amounts {
  const out: Amounts = new Map(a);
  for (const [k, v] of b) {
    const cur = out.get(k);
    out.set(k, cur ? { milli: cur.milli + v.milli, binary: cur.binary || v.binary } : { ...v });
  }
  return out;
}

/** only the named resources */
export function maskAmounts(a: Amounts, names: Iterable<string>): Amounts {
  const out: Amounts = new Map();
  for (const n of names) {
    const v = a.get(n);
    if (v) out.set(n, v);
  }
  return out;
}

/** quota.LessThanOrEqual: the resources of `a` above their limit in `limit` (a resource without a limit passes) */
export function exceeded(a: Amounts, limit: Amounts): string[] {
  const out: string[] = [];
  for (const [k, v] of a) {
    const l = limit.get(k);
    if (l && v.milli > l.milli) out.push(k);
  }
  return out.sort();
}

const decimal: [string, number][] = [['E', 18], ['P', 15], ['T', 12], ['G', 9], ['M', 6], ['k', 3]];

/** An Amount as resource.Quantity prints it: `500m`, `2`, `128Mi`, `1k`. */
export function formatAmount(a: Amount): string {
  if (a.milli % 1000 !== 0) return `${a.milli}m`;
  const v = a.milli / 1000;
  if (v === 0) return '0';
  if (a.binary) return formatMemory(v);
  for (const [suffix, exp] of decimal) {
    const unit = 10 ** exp;
    if (v % unit === 0) return `${v / unit}${suffix}`;
  }
  return String(v);
}

/** Amounts as a resource list of strings (status.used) */
export function listOf(a: Amounts): Record<string, string> {
  return Object.fromEntries([...a].sort(([x], [y]) => (x < y ? -1 : 1)).map(([k, v]) => [k, formatAmount(v)]));
}

/** kube's prettyPrint of a ResourceList: `pods=1,requests.cpu=500m`, keys sorted */
export function prettyPrint(a: Amounts): string {
  return [...a].sort(([x], [y]) => (x < y ? -1 : 1)).map(([k, v]) => `${k}=${formatAmount(v)}`).join(',');
}
