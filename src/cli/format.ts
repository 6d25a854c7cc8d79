// Docker's output conventions: tab-aligned tables, short ids, "… ago", sizes with N significant digits,
// and --format handling (`table …`, `json`, Go templates).
import { humanDuration } from './core.ts';
import { parseTemplate } from './template.ts';

/** Go's text/tabwriter as docker configures it (cells padded to the widest in their column, at least minWidth). */
export function tabulate(rows: string[][], minWidth = 10, padding = 3): string {
  const widths: number[] = [];
  for (const row of rows)
    row.slice(0, -1).forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? minWidth, charCount(cell) + padding);
    });
  return rows.map((row) => row.map((cell, i) => (i < row.length - 1 ? cell + ' '.repeat(widths[i] - charCount(cell)) : cell)).join('') + '\n').join('');
}

const charCount = (s: string) => [...s].length;

export const shortId = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

/** docker's Ellipsis: at most `max` characters, the last one `…` when cut. */
export function ellipsis(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : chars.slice(0, max - 1).join('') + '…';
}

/** Go's %.Ng: N significant digits, trailing zeros dropped. */
function significant(n: number, digits: number): string {
  return String(Number(n.toPrecision(digits)));
}

/** units.HumanSizeWithPrecision: decimal units (`1.99MB`, `516B`) */
export function decimalSize(bytes: number, digits = 3): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let i = 0;
  let n = bytes;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${significant(n, digits)}${units[i]}`;
}

/** units.BytesSize: binary units, 4 significant digits (`588KiB`, `23.54GiB`) */
export function binarySize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let i = 0;
  let n = bytes;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${significant(n, 4)}${units[i]}`;
}

/** `5 seconds ago` from a unix time in seconds or an ISO string */
export function ago(when: number | string, now = Date.now()): string {
  const ms = typeof when === 'number' ? when * 1000 : Date.parse(when);
  return `${humanDuration(Math.max(0, now - ms))} ago`;
}

/** Go's strconv.Quote for the printable strings docker shows. */
export const goQuote = (s: string) => JSON.stringify(s);

export type Row = Record<string, unknown>;

/**
 * Print `rows` as docker's formatter does: default table, `table <template>`, `json` (one object per line)
 * or a raw template per row. `headers` names the columns of the template fields (`.ID` → `CONTAINER ID`).
 */
export function formatRows(rows: Row[], format: string, headers: Record<string, string>): string {
  if (format === 'json') return rows.map((r) => goJson(plain(r)) + '\n').join('');
  const table = format.startsWith('table');
  const tmpl = (table ? format.slice(5) : format).trim().replaceAll('\\t', '\t').replaceAll('\\n', '\n');
  const t = parseTemplate(tmpl);
  if (!table) return rows.map((r) => t.execute(r) + '\n').join('');
  const headerRow: Row = {};
  for (const [k, v] of Object.entries(headers)) headerRow[k] = v;
  headerRow.Label = () => 'LABEL';
  const lines = [headerRow, ...rows].map((r) => t.execute(r));
  const cells = lines.flatMap((l) => l.split('\n')).map((l) => l.split('\t'));
  return tabulate(cells);
}

/** A row as docker's `--format json` prints it (Go's json.Marshal of a map): keys sorted, <, > and & escaped. */
function goJson(r: Row): string {
  const sorted = Object.fromEntries(Object.keys(r).sort().map((k) => [k, r[k]]));
  return JSON.stringify(sorted).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Drop function-valued fields (like ps's `.Label "k"`) for JSON output. */
function plain(r: Row): Row {
  return Object.fromEntries(Object.entries(r).filter(([, v]) => typeof v !== 'function'));
}

/** docker's --format help for list verbs (table, table TEMPLATE, json, TEMPLATE) */
export const tableFormatHelp =
  "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template";
/** docker's --format help for inspect-like verbs (json, TEMPLATE) */
export const jsonFormatHelp = "Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template";
