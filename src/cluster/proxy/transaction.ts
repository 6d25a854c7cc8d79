// The fewest nft commands that turn the table from what it holds for some Services into what they need now,
// as one `nft -f` transaction: the kernel applies all of it or none, so a packet sees either the old rules of
// a Service or the new ones. Order matters inside it: new chains and sets exist before anything jumps to
// them; chains are rewritten and map elements swapped before the chains and sets they no longer name go.
import { elementText, type Element, type ServiceRules } from './render.ts';

export interface Transaction {
  /** add chain / add set */
  create: string[];
  /** flush chain + add rule, for new and changed chains */
  fill: string[];
  deleteElements: string[];
  addElements: string[];
  /** flush chain, before the deletes below (a removed chain may still jump to another removed one) */
  flushRemoved: string[];
  deleteRemoved: string[];
}

export function emptyTransaction(): Transaction {
  return { create: [], fill: [], deleteElements: [], addElements: [], flushRemoved: [], deleteRemoved: [] };
}

const EMPTY: ServiceRules = { chains: new Map(), sets: new Map(), elements: new Map() };
const sameRules = (a: string[] | undefined, b: string[]) => !!a && a.length === b.length && a.every((r, i) => r === b[i]);

/** adds to `tx` what turns `old` (absent: nothing there) into `next` (absent: remove it all) for one Service */
export function diffService(tx: Transaction, table: string, old: ServiceRules | undefined, next: ServiceRules | undefined): void {
  const o = old ?? EMPTY;
  const n = next ?? EMPTY;
  for (const [name, decl] of n.sets) {
    // a set's name carries its timeout (render.ts), so a known name needs nothing
    if (o.sets.has(name)) continue;
    tx.create.push(`add set ip ${table} ${name} { ${decl} }`);
  }
  for (const [name, rules] of n.chains) {
    if (!o.chains.has(name)) tx.create.push(`add chain ip ${table} ${name}`);
    else if (sameRules(o.chains.get(name), rules)) continue;
    tx.fill.push(`flush chain ip ${table} ${name}`, ...rules.map((r) => `add rule ip ${table} ${name} ${r}`));
  }
  const del = (e: Element) => tx.deleteElements.push(`delete element ip ${table} ${e.map} { ${e.key} }`);
  const add = (e: Element) => tx.addElements.push(`add element ip ${table} ${e.map} { ${elementText(e)} }`);
  for (const [k, e] of o.elements) {
    const now = n.elements.get(k);
    if (!now || now.value !== e.value) del(e);
  }
  for (const [k, e] of n.elements) {
    const was = o.elements.get(k);
    if (!was || was.value !== e.value) add(e);
  }
  for (const name of o.chains.keys()) {
    if (n.chains.has(name)) continue;
    tx.flushRemoved.push(`flush chain ip ${table} ${name}`);
    tx.deleteRemoved.push(`delete chain ip ${table} ${name}`);
  }
  for (const name of o.sets.keys()) if (!n.sets.has(name)) tx.deleteRemoved.push(`delete set ip ${table} ${name}`);
}

/** the transaction as `nft -f` input ('' when there is nothing to do) */
export function transactionText(tx: Transaction): string {
  // sets go after the chains whose rules used them are flushed
  const chainsFirst = [...tx.deleteRemoved].sort((a, b) => Number(a.startsWith('delete set')) - Number(b.startsWith('delete set')));
  const lines = [...tx.create, ...tx.fill, ...tx.deleteElements, ...tx.addElements, ...tx.flushRemoved, ...chainsFirst];
  return lines.length ? `${lines.join('\n')}\n` : '';
}
