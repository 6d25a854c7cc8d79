// Kubernetes resource.Quantity (k8s.io/apimachinery/pkg/api/resource): `500m`, `1.5Gi`, `2e3`, `128974848`.
// Parsed exactly as a rational number of BigInts so `0.1` CPU is 100 millicores, not 100.00000000000001.

/** number + optional suffix: binary SI (Ki..Ei), decimal SI (n u m k M G T P E) or a decimal exponent (e3, E-2) */
const quantityRe = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|n|u|m|k|M|G|T|P|E)?$/;

const decimalSuffix: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const binarySuffix: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

/** value = num / den exactly (den > 0) */
interface Rational {
  num: bigint;
  den: bigint;
}

/** apimachinery's ErrFormatWrong, word for word */
const quantityError = (_q: unknown) => new Error(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTPE]*[-+]?[0-9]*)$'`);

function parseRational(q: string | number): Rational {
  if (typeof q === 'number') {
    if (!Number.isFinite(q)) throw quantityError(q);
    q = String(q).includes('e') ? q.toFixed(20).replace(/0+$/, '').replace(/\.$/, '') : String(q);
  }
  const m = quantityRe.exec(q);
  if (!m) throw quantityError(q);
  const [, sign, digits, suffix = ''] = m;
  const [whole, frac = ''] = digits.split('.');
  let num = BigInt((whole || '0') + frac);
  let den = 10n ** BigInt(frac.length);
  if (sign === '-') num = -num;
  let exp10 = 0;
  if (suffix in binarySuffix) num *= 2n ** BigInt(binarySuffix[suffix]);
  else if (suffix in decimalSuffix) exp10 = decimalSuffix[suffix];
  else exp10 = Number(suffix.slice(1));
  if (Math.abs(exp10) > 1000) throw quantityError(q);
  if (exp10 >= 0) num *= 10n ** BigInt(exp10);
  else den *= 10n ** BigInt(-exp10);
  return { num, den };
}

const ceilDiv = (a: bigint, b: bigint): bigint => {
  const q = a / b;
  return a % b !== 0n && a > 0n ? q + 1n : q;
};

/** The quantity as a JavaScript number (`'500m'` → 0.5, `'1Ki'` → 1024). Throws an Error on bad syntax. */
export function parseQuantity(q: string | number): number {
  const r = parseRational(q);
  return Number(r.num) / Number(r.den);
}

/** Whole millicores, rounded up as Kubernetes' MilliValue does (`'0.1'` → 100, `'1'` → 1000). */
export function cpuMillis(q: string | number): number {
  const r = parseRational(q);
  return Number(ceilDiv(r.num * 1000n, r.den));
}

/** Whole bytes (or whole units of any resource), rounded up as Kubernetes' Value does (`'1Mi'` → 1048576). */
export function memoryBytes(q: string | number): number {
  const r = parseRational(q);
  return Number(ceilDiv(r.num, r.den));
}

export function isValidQuantity(q: unknown): boolean {
  if (typeof q !== 'string' && typeof q !== 'number') return false;
  try {
    parseRational(q);
    return true;
  } catch {
    return false;
  }
}

/** Sign of a quantity: -1, 0 or 1 (for `must be greater than or equal to 0` checks). */
export function quantitySign(q: string | number): -1 | 0 | 1 {
  const { num } = parseRational(q);
  return num < 0n ? -1 : num > 0n ? 1 : 0;
}

/** Exact comparison of two quantities: negative when a < b, 0 when equal, positive when a > b. */
export function compareQuantity(a: string | number, b: string | number): number {
  const x = parseRational(a);
  const y = parseRational(b);
  const d = x.num * y.den - y.num * x.den;
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** Millicores as Kubernetes prints CPU: 1000 → `1`, 250 → `250m`. */
export function formatCpu(millis: number): string {
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}

/** Bytes as Kubernetes prints memory with the largest exact binary suffix: 134217728 → `128Mi`. */
export function formatMemory(bytes: number): string {
  const suffixes = ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'];
  for (let i = 0; i < suffixes.length; i++) {
    const unit = 2 ** (10 * (suffixes.length - i));
    if (bytes !== 0 && bytes % unit === 0) return `${bytes / unit}${suffixes[i]}`;
  }
  return String(bytes);
}

/** A quantity in its canonical-ish form: CPU-like values in millis when fractional, else the plain value. */
export function formatQuantity(q: string | number): string {
  const r = parseRational(q);
  if (r.num % r.den === 0n) return String(r.num / r.den);
  return formatCpu(Number(ceilDiv(r.num * 1000n, r.den)));
}
