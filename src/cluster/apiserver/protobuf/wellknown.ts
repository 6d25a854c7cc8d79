// The apimachinery types whose JSON is not their protobuf message: Go gives them custom MarshalJSON methods
// (Time is an RFC 3339 string, Quantity a string, IntOrString a number or a string, RawExtension the embedded
// JSON itself). One entry per type, both directions, so the decoder and the encoder agree.
import { badRequestError } from '../../types/status-error.ts';

type Fields = Record<string, unknown>;

export interface WellKnown {
  /** the JSON form of a decoded message (its fields as protobufjs set them) */
  toJson(msg: Fields, embedded: (raw: Buffer) => unknown): unknown;
  /** the message fields of a JSON value; `undefined` writes an empty message */
  fromJson(value: unknown, embedded: (obj: object) => Buffer): Fields;
}

const has = (msg: Fields, name: string) => Object.hasOwn(msg, name);

/** int64 values arrive as Long objects (or plain numbers when protobufjs finds no `long` package) */
export const int64 = (v: unknown): bigint => (typeof v === 'number' ? BigInt(Math.trunc(v)) : typeof v === 'bigint' ? v : BigInt(String(v)));

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Go's time.RFC3339 in UTC (`2024-01-02T03:04:05Z`), with `micros` digits of fraction when given */
function rfc3339(seconds: bigint, nanos: number, micros: boolean): string {
  const d = new Date(Number(seconds) * 1000);
  if (Number.isNaN(d.getTime())) throw badRequestError(`time out of range: ${seconds}s`);
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return `${date}T${time}${micros ? `.${pad(Math.floor(nanos / 1000), 6)}` : ''}Z`;
}

function parseTime(value: unknown): { seconds: bigint; nanos: number } {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw badRequestError(`invalid time ${JSON.stringify(value)}: want RFC 3339`);
  const frac = /\.(\d+)/.exec(value as string)?.[1] ?? '';
  return { seconds: BigInt(Math.floor(ms / 1000)), nanos: Number(frac.padEnd(9, '0').slice(0, 9)) };
}

/** Go's time.Duration.String: `1h0m0s`, `1.5s`, `300ms`, `0s` */
export function goDuration(nanos: bigint): string {
  if (nanos === 0n) return '0s';
  const neg = nanos < 0n;
  let u = neg ? -nanos : nanos;
  const frac = (prec: number): string => {
    let digits = '';
    let print = false;
    for (let i = 0; i < prec; i++) {
      const digit = u % 10n;
      print ||= digit !== 0n;
      if (print) digits = `${digit}${digits}`;
      u /= 10n;
    }
    return print ? `.${digits}` : '';
  };
  let s: string;
  if (u < 1_000_000_000n) {
    const [prec, unit] = u < 1000n ? [0, 'ns'] : u < 1_000_000n ? [3, 'µs'] : [6, 'ms'];
    const f = frac(prec);
    s = `${u}${f}${unit}`;
  } else {
    const f = frac(9);
    s = `${u % 60n}${f}s`;
    u /= 60n;
    if (u > 0n) {
      s = `${u % 60n}m${s}`;
      u /= 60n;
      if (u > 0n) s = `${u}h${s}`;
    }
  }
  return neg ? `-${s}` : s;
}

const unitNanos: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration (to whole nanoseconds) */
export function parseGoDuration(text: string): bigint {
  const m = /^([-+]?)((?:\d*\.?\d+(?:ns|us|µs|μs|ms|s|m|h))+|0)$/.exec(text);
  if (!m) throw badRequestError(`time: invalid duration ${JSON.stringify(text)}`);
  let total = 0;
  for (const [, num, unit] of m[2].matchAll(/(\d*\.?\d+)(ns|us|µs|μs|ms|s|m|h)/g)) total += Number(num) * unitNanos[unit];
  return BigInt(Math.round(m[1] === '-' ? -total : total));
}

const timeType = (micros: boolean): WellKnown => ({
  // Go's Time.Unmarshal turns an empty message into the zero time, which its MarshalJSON writes as null
  toJson: (msg) => (has(msg, 'seconds') || has(msg, 'nanos') ? rfc3339(int64(msg.seconds ?? 0), Number(msg.nanos ?? 0), micros) : null),
  fromJson: (value) => {
    if (value === null || value === undefined) return {};
    const { seconds, nanos } = parseTime(value);
    return { seconds: Number(seconds), nanos: micros ? nanos - (nanos % 1000) : 0 };
  },
});

/** A message of raw JSON bytes (FieldsV1 names its field `Raw`, RawExtension `raw`) */
const rawJson = (kind: string, field: string): WellKnown => ({
  toJson: (msg, embedded) => {
    const raw = msg[field] as Uint8Array | undefined;
    if (!raw || raw.length === 0) return null;
    const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.length);
    if (kind === 'RawExtension' && buf.subarray(0, 4).equals(Buffer.from('k8s\0'))) return embedded(buf);
    try {
      return JSON.parse(buf.toString('utf8'));
    } catch (err) {
      throw badRequestError(`${kind}: the embedded JSON is malformed: ${(err as Error).message}`);
    }
  },
  fromJson: (value) => (value === null || value === undefined ? {} : { [field]: Buffer.from(JSON.stringify(value)) }),
});

const stringList: WellKnown = {
  toJson: (msg) => (msg.items as string[] | undefined) ?? [],
  fromJson: (value) => ({ items: value }),
};

const meta = 'k8s.io.apimachinery.pkg.apis.meta.v1';

export const wellKnownTypes: Record<string, WellKnown> = {
  [`${meta}.Time`]: timeType(false),
  [`${meta}.MicroTime`]: timeType(true),
  [`${meta}.Duration`]: {
    toJson: (msg) => goDuration(int64(msg.duration ?? 0)),
    fromJson: (value) => ({ duration: Number(parseGoDuration(String(value))) }),
  },
  [`${meta}.FieldsV1`]: rawJson('FieldsV1', 'Raw'),
  // Go named slices (`type Verbs []string`): a message with `items` in protobuf, a plain array in JSON
  [`${meta}.Verbs`]: stringList,
  'k8s.io.api.authentication.v1.ExtraValue': stringList,
  'k8s.io.api.authorization.v1.ExtraValue': stringList,
  'k8s.io.apimachinery.pkg.runtime.RawExtension': rawJson('RawExtension', 'raw'),
  'k8s.io.apimachinery.pkg.api.resource.Quantity': {
    toJson: (msg) => (msg.string as string | undefined) ?? '0',
    fromJson: (value) => ({ string: String(value) }),
  },
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString': {
    toJson: (msg) => (Number(msg.type ?? 0) === 1 ? ((msg.strVal as string | undefined) ?? '') : Number(msg.intVal ?? 0)),
    fromJson: (value) => (typeof value === 'number' ? { type: 0, intVal: value } : { type: 1, strVal: String(value) }),
  },
};
