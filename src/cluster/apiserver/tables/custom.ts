// The table of a custom resource: NAME, then the CRD version's additionalPrinterColumns, each cell the first
// result of its JSONPath (kube's CRD table convertor); no columns given: NAME and AGE. A date cell prints as
// an age, an absent value as nil (kubectl shows `<none>`).
import type { KObject } from '../../types/meta.ts';
import type { PrinterColumn } from '../../types/resource.ts';
import type { Column } from './format.ts';
import { ageColumn, nameColumn, since } from './format.ts';
import type { Printer } from './types.ts';

export function customPrinter(columns: readonly PrinterColumn[]): Printer {
  if (columns.length === 0) {
    return { columns: [nameColumn, ageColumn], cells: (obj, now) => [obj.metadata?.name ?? '', since(obj.metadata?.creationTimestamp, now)] };
  }
  const paths = columns.map((c) => compileJsonPath(c.jsonPath));
  const defs: Column[] = [nameColumn, ...columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0 }))];
  return {
    columns: defs,
    cells(obj, now) {
      return [obj.metadata?.name ?? '', ...columns.map((c, i) => cellOf(c, paths[i](obj), now))];
    },
  };
}

function cellOf(c: PrinterColumn, results: unknown[], now: Date): unknown {
  if (results.length === 0 || results[0] === undefined || results[0] === null) return null;
  const v = results[0];
  if (c.type === 'date') return typeof v === 'string' ? since(v, now) : null;
  if (c.type === 'integer' && typeof v === 'number') return Math.trunc(v);
  if (c.type === 'string' && typeof v === 'object') return JSON.stringify(v);
  return v;
}

type Step = { field: string } | { index: number | '*' } | { filter: { path: string[]; op: '==' | '!='; value: unknown } | { path: string[] } };

/**
 * The JSONPath subset CRD columns use (kube checks `.field` paths at CRD validation): `.a.b`, `.a[0]`, `.a[*]`,
 * `.a[?(@.type=="Ready")].status`, optionally wrapped in `{…}`. Answers every match, in order.
 */
export function compileJsonPath(expr: string): (obj: unknown) => unknown[] {
  const steps = parseSteps(expr.trim().replace(/^\{(.*)\}$/s, '$1'));
  return (obj) => {
    let cur: unknown[] = [obj];
    for (const st of steps) {
      const next: unknown[] = [];
      for (const v of cur) {
        if ('field' in st) {
          if (st.field === '*' && v && typeof v === 'object') next.push(...Object.values(v));
          else if (v && typeof v === 'object' && !Array.isArray(v) && st.field in v) next.push((v as Record<string, unknown>)[st.field]);
        } else if ('index' in st) {
          if (!Array.isArray(v)) continue;
          if (st.index === '*') next.push(...v);
          else {
            const i = st.index < 0 ? v.length + st.index : st.index;
            if (i >= 0 && i < v.length) next.push(v[i]);
          }
        } else if (Array.isArray(v)) {
          next.push(...v.filter((x) => matches(x, st.filter)));
        }
      }
      cur = next;
    }
    return cur;
  };
}

function getPath(v: unknown, path: string[]): unknown {
  for (const p of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

function matches(x: unknown, f: { path: string[]; op?: '==' | '!='; value?: unknown }): boolean {
  const got = getPath(x, f.path);
  if (!('op' in f) || f.op === undefined) return got !== undefined && got !== null;
  const eq = got === f.value || String(got) === String(f.value);
  return f.op === '==' ? eq : !eq;
}

function parseSteps(s: string): Step[] {
  const steps: Step[] = [];
  let i = 0;
  while (i < s.length) {
    if (s[i] === '.') {
      if (s[i + 1] === '.') throw new Error(`recursive descent is not supported in ${s}`);
      const m = /^[^.[\]]*/.exec(s.slice(i + 1))![0];
      if (m) steps.push({ field: m });
      i += 1 + m.length;
    } else if (s[i] === '[') {
      const end = s.indexOf(']', i);
      if (end < 0) throw new Error(`unclosed [ in ${s}`);
      const inner = s.slice(i + 1, end).trim();
      i = end + 1;
      if (inner === '*') steps.push({ index: '*' });
      else if (/^-?\d+$/.test(inner)) steps.push({ index: Number(inner) });
      else if (inner.startsWith('?(')) steps.push({ filter: parseFilter(inner.slice(2, -1)) });
      else steps.push({ field: inner.replace(/^['"]|['"]$/g, '') });
    } else {
      const m = /^[^.[\]]+/.exec(s.slice(i))![0];
      steps.push({ field: m });
      i += m.length;
    }
  }
  return steps;
}

function parseFilter(f: string): { path: string[]; op: '==' | '!='; value: unknown } | { path: string[] } {
  const m = /^@\.([\w.-]+)\s*(==|!=)\s*(.+)$/.exec(f.trim());
  if (!m) {
    const exists = /^@\.([\w.-]+)$/.exec(f.trim());
    if (!exists) throw new Error(`unsupported filter ${f}`);
    return { path: exists[1].split('.') };
  }
  const raw = m[3].trim();
  const value = /^["'].*["']$/.test(raw) ? raw.slice(1, -1) : raw === 'true' ? true : raw === 'false' ? false : Number(raw);
  return { path: m[1].split('.'), op: m[2] as '==' | '!=', value };
}

/** CustomResourceDefinitions print as kube's default table convertor: NAME and CREATED AT (RFC 3339) */
export const crdPrinter: Printer = {
  columns: [nameColumn, { name: 'Created At', type: 'date', format: '', description: ageColumn.description, priority: 0 }],
  cells: (obj) => [obj.metadata?.name ?? '', obj.metadata?.creationTimestamp ?? ''],
};
