// The name and value checks of k8s.io/apimachinery/pkg/util/validation, with their messages word for word
// (kubectl users see these texts, and scripts match on them).
import { invalid, type FieldError } from '../status-error.ts';

const maxLen = (n: number) => `must be no more than ${n} characters`;

/** apimachinery RegexError: `msg (e.g. 'a' or 'b', regex used for validation is 'fmt')` */
function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`;
}

const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1035LabelFmt = '[a-z]([-a-z0-9]*[a-z0-9])?';
const labelKeyFmt = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const labelValueFmt = `(${labelKeyFmt})?`;
const whole = (fmt: string) => new RegExp(`^${fmt}$`);
const dns1123LabelRe = whole(dns1123LabelFmt);
const dns1123SubdomainRe = whole(dns1123SubdomainFmt);
const dns1035LabelRe = whole(dns1035LabelFmt);
const labelKeyRe = whole(labelKeyFmt);
const labelValueRe = whole(labelValueFmt);

export function isDNS1123Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLen(63));
  if (!dns1123LabelRe.test(v)) {
    if (dns1123SubdomainRe.test(v)) errs.push('must not contain dots');
    else errs.push(regexError("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character", dns1123LabelFmt, 'my-name', '123-abc'));
  }
  return errs;
}

export function isDNS1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push(maxLen(253));
  if (!dns1123SubdomainRe.test(v)) errs.push(regexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", dns1123SubdomainFmt, 'example.com'));
  return errs;
}

export function isDNS1035Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLen(63));
  if (!dns1035LabelRe.test(v)) errs.push(regexError("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character", dns1035LabelFmt, 'my-name', 'abc-123'));
  return errs;
}

/** A label key or annotation key: `[prefix/]name` (IsQualifiedName). */
export function isQualifiedName(v: string): string[] {
  const errs: string[] = [];
  const parts = v.split('/');
  let name: string;
  if (parts.length === 1) name = parts[0];
  else if (parts.length === 2) {
    const prefix = parts[0];
    name = parts[1];
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else errs.push(...isDNS1123Subdomain(prefix).map((m) => `prefix part ${m}`));
  } else {
    return [`a qualified name ${regexError("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", labelKeyFmt, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push(`name part ${maxLen(63)}`);
  if (!labelKeyRe.test(name)) errs.push(`name part ${regexError("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", labelKeyFmt, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

export function isLabelValue(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLen(63));
  if (!labelValueRe.test(v)) errs.push(regexError("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", labelValueFmt, 'MyValue', 'my_value', '12345'));
  return errs;
}

export function isValidPortName(port: string): string[] {
  const errs: string[] = [];
  if (port.length > 15) errs.push(maxLen(15));
  if (!/^[-a-z0-9]+$/.test(port)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(port)) errs.push('must contain at least one letter (a-z)');
  if (port.includes('--')) errs.push('must not contain consecutive hyphens');
  if (port.startsWith('-') || port.endsWith('-')) errs.push('must not begin or end with a hyphen');
  return errs;
}

export const inclusiveRange = (lo: number, hi: number) => `must be between ${lo} and ${hi}, inclusive`;

export function isValidPortNum(port: number): string[] {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : [inclusiveRange(1, 65535)];
}

/** Env var names as 1.32 accepts them (RelaxedEnvironmentVariableValidation): printable ASCII but '='. */
export function isEnvVarName(v: string): string[] {
  if (v.length === 0) return ['environment variable name must be non-empty'];
  return /^[\x20-\x3c\x3e-\x7e]+$/.test(v) ? [] : ["a valid environment variable name must consist only of printable ASCII characters other than '='"];
}

export function isConfigMapKey(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push(maxLen(253));
  if (!/^[-._a-zA-Z0-9]+$/.test(v)) errs.push(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", '[-._a-zA-Z0-9]+', 'key.name', 'KEY_NAME', 'key-name'));
  if (v === '.') errs.push(`must not be '.'`);
  else if (v === '..') errs.push(`must not be '..'`);
  else if (v.startsWith('..')) errs.push(`must not start with '..'`);
  return errs;
}

export function isValidIP(v: string): boolean {
  const v4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
  if (v4.test(v)) return true;
  if (!v.includes(':') || !/^[0-9a-fA-F:.]+$/.test(v)) return false;
  try {
    return new URL(`http://[${v}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

/** A name checker as ValidateObjectMeta takes: (name, isPrefix) → messages. */
export type NameCheck = (name: string, prefix: boolean) => string[];

/** generateName prefixes may end in '-' (MaskTrailingDash). */
const masked = (name: string, prefix: boolean) => (prefix && name.length > 1 && name.endsWith('-') ? `${name.slice(0, -1)}a` : name);

export const nameIsDNSSubdomain: NameCheck = (n, p) => isDNS1123Subdomain(masked(n, p));
export const nameIsDNSLabel: NameCheck = (n, p) => isDNS1123Label(masked(n, p));
export const nameIsDNS1035Label: NameCheck = (n, p) => isDNS1035Label(masked(n, p));

/** ValidatePathSegmentName: anything a URL path segment can carry (HPA names). */
export const nameIsPathSegment: NameCheck = (n, p) => {
  if (!p && (n === '.' || n === '..')) return [`may not be '${n}'`];
  for (const bad of ['/', '%']) if (n.includes(bad)) return [`may not contain '${bad}'`];
  return [];
};

/** Each message as one Invalid error on the same field, as Kubernetes reports them. */
export const eachInvalid = (field: string, value: unknown, msgs: string[]): FieldError[] => msgs.map((m) => invalid(field, value, m));

export const nonNegative = (field: string, v: unknown): FieldError[] =>
  typeof v === 'number' && v < 0 ? [invalid(field, v, 'must be greater than or equal to 0')] : [];

export const positive = (field: string, v: unknown): FieldError[] =>
  typeof v === 'number' && v <= 0 ? [invalid(field, v, 'must be greater than 0')] : [];

/** ValidatePositiveIntOrPercent + IsNotMoreThan100Percent */
export function intOrPercent(field: string, v: unknown, max100 = false): FieldError[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') {
    if (!/^[0-9]+%$/.test(v)) return [invalid(field, v, regexError("a valid percent string must be a numeric string followed by an ending '%'", '[0-9]+%', '1%', '93%'))];
    if (max100 && Number(v.slice(0, -1)) > 100) return [invalid(field, v, 'must not be greater than 100%')];
    return [];
  }
  return nonNegative(field, v);
}

/** The value an int-or-percent carries, for "not both 0" checks. */
export const intOrPercentValue = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' ? parseInt(v, 10) || 0 : 0);
