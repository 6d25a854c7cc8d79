// Dockerfile-like `--change` instructions applied to an image config at import (docker's
// BuildFromConfig): CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL, EXPOSE, VOLUME, STOPSIGNAL, HEALTHCHECK.
import { posix } from 'node:path';
import { invalidArgument } from '../../lib/errors.ts';
import type { ImageConfig } from '../types.ts';
import { parseHealthcheck } from './healthcheck-change.ts';

type RunConfig = ImageConfig['config'];
interface State {
  config: RunConfig;
  cmdSet: boolean;
}

const handlers: Record<string, (s: State, args: string, line: string) => void> = {
  CMD(s, args) {
    s.config.Cmd = commandForm(args);
    s.cmdSet = true;
  },
  ENTRYPOINT(s, args) {
    s.config.Entrypoint = commandForm(args);
    // as in a Dockerfile: a new ENTRYPOINT drops an inherited CMD, but not one set alongside it
    if (!s.cmdSet) s.config.Cmd = null;
  },
  ENV(s, args, line) {
    for (const [k, v] of pairs(args, line, envMap(s.config.Env))) {
      const env = (s.config.Env ?? []).filter((e) => e.split('=', 1)[0] !== k);
      s.config.Env = [...env, `${k}=${v}`];
    }
  },
  LABEL(s, args, line) {
    for (const [k, v] of pairs(args, line, envMap(s.config.Env))) s.config.Labels = { ...s.config.Labels, [k]: v };
  },
  WORKDIR(s, args) {
    const dir = expand(args.trim(), envMap(s.config.Env));
    s.config.WorkingDir = posix.resolve(s.config.WorkingDir || '/', dir);
  },
  USER(s, args) {
    s.config.User = expand(args.trim(), envMap(s.config.Env));
  },
  STOPSIGNAL(s, args) {
    s.config.StopSignal = args.trim();
  },
  HEALTHCHECK(s, args) {
    s.config.Healthcheck = parseHealthcheck(args);
  },
  EXPOSE(s, args, line) {
    const ports: Record<string, object> = { ...s.config.ExposedPorts };
    for (const word of words(args, envMap(s.config.Env))) {
      const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(word);
      if (!m) throw invalidArgument(`invalid port "${word}" in change "${line}"`);
      const from = Number(m[1]);
      const to = m[2] ? Number(m[2]) : from;
      if (from < 1 || to > 65535 || to < from) throw invalidArgument(`invalid port range "${word}" in change "${line}"`);
      for (let p = from; p <= to; p++) ports[`${p}/${(m[3] ?? 'tcp').toLowerCase()}`] = {};
    }
    s.config.ExposedPorts = ports;
  },
  VOLUME(s, args, line) {
    const list = jsonArray(args) ?? words(args, envMap(s.config.Env));
    if (list.length === 0) throw invalidArgument(`VOLUME needs at least one path: "${line}"`);
    const vols: Record<string, object> = { ...s.config.Volumes };
    for (const v of list) vols[v] = {};
    s.config.Volumes = vols;
  },
};

/** Apply `changes` in order to a copy of `config`. An unknown instruction is an InvalidArgument naming it. */
export function applyChanges(config: RunConfig, changes: string[]): RunConfig {
  const s: State = { config: structuredClone(config), cmdSet: false };
  for (const line of changes) {
    const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(line);
    if (!m) continue;
    const instr = m[1].toUpperCase();
    const handler = handlers[instr];
    if (!handler) throw invalidArgument(`${m[1]} is not a valid change command`);
    if (!m[2].trim() && instr !== 'CMD' && instr !== 'ENTRYPOINT') throw invalidArgument(`${instr} requires at least one argument`);
    handler(s, m[2], line);
  }
  return s.config;
}

function jsonArray(args: string): string[] | null {
  const t = args.trim();
  if (!t.startsWith('[')) return null;
  try {
    const v: unknown = JSON.parse(t);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  } catch {
    // not JSON: docker falls back to the shell form
  }
  return null;
}

/** JSON form as is; shell form runs under /bin/sh -c. Empty means "none". */
function commandForm(args: string): string[] | null {
  const json = jsonArray(args);
  if (json) return json;
  const t = args.trim();
  return t ? ['/bin/sh', '-c', t] : null;
}

function envMap(env: string[] | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of env ?? []) {
    const i = e.indexOf('=');
    m.set(i < 0 ? e : e.slice(0, i), i < 0 ? '' : e.slice(i + 1));
  }
  return m;
}

/** `k=v k2="v 2"`, or the legacy `KEY value with spaces` (one pair). */
function pairs(args: string, line: string, env: Map<string, string>): Array<[string, string]> {
  const ws = words(args, env);
  if (ws.length && !ws[0].includes('=')) {
    const m = /^\s*(\S+)\s+([\s\S]*)$/.exec(args);
    if (!m) throw invalidArgument(`${line.trim().split(/\s/)[0].toUpperCase()} names "${ws[0]}" without a value: "${line}"`);
    return [[m[1], expand(m[2].trim(), env)]];
  }
  return ws.map((w) => {
    const i = w.indexOf('=');
    if (i <= 0) throw invalidArgument(`"${w}" is not of the form key=value in change "${line}"`);
    return [w.slice(0, i), w.slice(i + 1)];
  });
}

/** Split on unquoted blanks; "…" keeps blanks and expands $VARS, '…' is literal, \ escapes. */
function words(input: string, env: Map<string, string>): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === '\\' && i + 1 < input.length) cur += input[++i];
    else if (c === "'") {
      const end = input.indexOf("'", i + 1);
      if (end < 0) throw invalidArgument(`unmatched ' in "${input}"`);
      cur += input.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      let quoted = '';
      while (j < input.length && input[j] !== '"') {
        if (input[j] === '\\' && j + 1 < input.length) quoted += input[++j] === '$' ? '\\$' : input[j];
        else quoted += input[j];
        j++;
      }
      if (j >= input.length) throw invalidArgument(`unmatched " in "${input}"`);
      cur += expand(quoted, env);
      i = j;
    } else if (c === '$') {
      const m = /^\$(?:\{(\w+)\}|(\w+))/.exec(input.slice(i));
      if (m) {
        cur += env.get(m[1] ?? m[2]) ?? '';
        i += m[0].length - 1;
      } else cur += c;
    } else cur += c;
  }
  if (inWord) out.push(cur);
  return out;
}

function expand(s: string, env: Map<string, string>): string {
  return s.replace(/\\\$|\$\{(\w+)\}|\$(\w+)/g, (m, a?: string, b?: string) => (m === '\\$' ? '$' : (env.get(a ?? b ?? '') ?? '')));
}
