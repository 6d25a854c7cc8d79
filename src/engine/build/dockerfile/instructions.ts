// One logical line → one typed instruction, with buildkit's argument rules (frontend/dockerfile/parser/
// line_parsers.go) and checks and messages (frontend/dockerfile/instructions/parse.go, bflag.go).
import { goDurationError, parseGoDuration } from '../../../lib/units.ts';
import { LineError, parseHeredocWord, type RawLine } from './lines.ts';
import type { CommandLine, FromLine, HealthConfig, InlineFile, Instruction, KeyValue } from './types.ts';
import { editDistance } from '../../../lib/edit-distance.ts';

type Parsed = Instruction | FromLine;
type Flags = Record<string, string | boolean>;

/** Parse one line; errors are LineErrors at the line's first physical line. */
export function parseInstruction(raw: RawLine, escape: string): Parsed {
  try {
    return build(raw, escape);
  } catch (err) {
    if (err instanceof LineError) throw err;
    throw new LineError(raw.line, (err as Error).message);
  }
}

const at = (raw: RawLine) => ({ line: raw.line, endLine: raw.endLine, original: raw.original });

function build(raw: RawLine, escape: string): Parsed {
  const cmd = raw.word.toLowerCase();
  const rest = raw.rest;
  switch (cmd) {
    case 'from': {
      const args = whitespaceWords(rest);
      const name = stageName(args);
      const f = parseFlags(raw.flags, { platform: 'string' });
      return { kind: 'FROM', ...at(raw), image: args[0], name, platform: str(f.platform) };
    }
    case 'arg':
      return { kind: 'ARG', ...at(raw), args: parseArgs(rest, escape) };
    case 'env':
      parseFlags(raw.flags, {});
      return { kind: 'ENV', ...at(raw), env: nameValues(rest, 'ENV', escape) };
    case 'label':
      parseFlags(raw.flags, {});
      return { kind: 'LABEL', ...at(raw), labels: nameValues(rest, 'LABEL', escape) };
    case 'maintainer':
      if (!rest) throw new Error('MAINTAINER requires exactly one argument');
      parseFlags(raw.flags, {});
      return { kind: 'MAINTAINER', ...at(raw), maintainer: rest };
    case 'workdir':
      if (!rest) throw new Error('WORKDIR requires exactly one argument');
      parseFlags(raw.flags, {});
      return { kind: 'WORKDIR', ...at(raw), path: rest };
    case 'user':
      if (!rest) throw new Error('USER requires exactly one argument');
      parseFlags(raw.flags, {});
      return { kind: 'USER', ...at(raw), user: rest };
    case 'stopsignal':
      if (!rest) throw new Error('STOPSIGNAL requires exactly one argument');
      return { kind: 'STOPSIGNAL', ...at(raw), signal: rest };
    case 'copy':
    case 'add':
      return copyOrAdd(raw, cmd);
    case 'run':
    case 'cmd':
    case 'entrypoint':
      return commandLine(raw, cmd);
    case 'shell': {
      parseFlags(raw.flags, {});
      const json = maybeJson(rest);
      if (json && json.length === 0) throw new Error('SHELL requires at least one argument');
      if (!json) {
        if (!rest) throw new Error('SHELL requires at least one argument');
        throw new Error(`SHELL requires the arguments to be in JSON form`);
      }
      return { kind: 'SHELL', ...at(raw), shell: json };
    }
    case 'expose': {
      const ports = whitespaceWords(rest);
      if (!ports.length) throw new Error('EXPOSE requires at least one argument');
      parseFlags(raw.flags, {});
      return { kind: 'EXPOSE', ...at(raw), ports: ports.sort() };
    }
    case 'volume': {
      const list = maybeJson(rest) ?? whitespaceWords(rest);
      if (!list.length) throw new Error('VOLUME requires at least one argument');
      parseFlags(raw.flags, {});
      const volumes = list.map((v) => v.trim());
      if (volumes.includes('')) throw new Error('VOLUME specified can not be an empty string');
      return { kind: 'VOLUME', ...at(raw), volumes };
    }
    case 'healthcheck':
      return { kind: 'HEALTHCHECK', ...at(raw), health: healthcheck(raw) };
    case 'onbuild':
      return onbuild(raw);
    default:
      throw new Error(`unknown instruction: ${raw.word}${suggestion(raw.word)}`);
  }
}

const instructionNames = ['add', 'arg', 'cmd', 'copy', 'entrypoint', 'env', 'expose', 'from', 'healthcheck', 'label', 'maintainer', 'onbuild', 'run', 'shell', 'stopsignal', 'user', 'volume', 'workdir'];

// buildkit's suggest.WrapError: the closest name within edit distance 2, in the word's case.
function suggestion(word: string): string {
  const lower = word.toLowerCase();
  let best = '';
  let bestDist = 3;
  for (const name of instructionNames) {
    const d = editDistance(lower, name);
    if (d < bestDist) [best, bestDist] = [name, d];
  }
  if (!best) return '';
  const cased = word === word.toLowerCase() ? best : word === word.toUpperCase() ? best.toUpperCase() : best;
  return ` (did you mean ${cased}?)`;
}

const str = (v: string | boolean | undefined) => (typeof v === 'string' ? v : '');

// `FROM image`, or `FROM image AS name` (the name checked as docker does, case-insensitively).
function stageName(args: string[]): string {
  if (args.length === 3 && args[1].toLowerCase() === 'as') {
    const name = args[2].toLowerCase();
    if (!/^[a-z][a-z0-9-_.]*$/.test(name)) {
      throw new Error(`invalid name for build stage: "${args[2]}", name can't start with a number or contain symbols`);
    }
    return name;
  }
  if (args.length !== 1) throw new Error('FROM requires either one or three arguments');
  return '';
}

/** Check `--name[=value]` words against the flags an instruction declares (buildkit BFlags.Parse). */
export function parseFlags(words: string[], declared: Record<string, 'string' | 'bool'>): Flags {
  const out: Flags = {};
  for (const word of words) {
    if (!word.startsWith('--')) throw new Error(`Arg should start with -- : ${word}`);
    const eq = word.indexOf('=');
    const name = eq >= 0 ? word.slice(2, eq) : word.slice(2);
    const value = eq >= 0 ? word.slice(eq + 1) : '';
    const type = Object.hasOwn(declared, name) ? declared[name] : undefined;
    if (!type) throw new Error(`Unknown flag: ${name}`);
    if (name in out) throw new Error(`Duplicate flag specified: ${name}`);
    if (type === 'bool') {
      if (eq >= 0 && value === '') throw new Error(`Missing a value on flag: ${name}`);
      const lower = value.toLowerCase();
      if (lower !== '' && lower !== 'true' && lower !== 'false') throw new Error(`Expecting boolean value for flag ${name}, not: ${value}`);
      out[name] = lower !== 'false';
    } else {
      if (eq < 0) throw new Error(`Missing a value on flag: ${name}`);
      out[name] = value;
    }
  }
  return out;
}

/** A JSON array of strings, or null when the text is not JSON (then it is the shell form, as docker falls back). */
export function maybeJson(rest: string): string[] | null {
  const text = rest.trimStart();
  if (!text.startsWith('[')) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null; // not JSON: docker treats the line as the shell form
  }
  if (!Array.isArray(parsed)) return null;
  if (!parsed.every((x) => typeof x === 'string')) throw new Error('when using JSON array syntax, arrays must be comprised of strings only');
  return parsed;
}

const whitespaceWords = (rest: string) => (rest === '' ? [] : rest.split(/[\t\v\f\r ]+/));

/** Words with quotes kept (removed later by expansion): buildkit parseWords. */
export function quotedWords(rest: string, escape: string): string[] {
  const words: string[] = [];
  const chars = Array.from(rest);
  let word = '';
  let inWord = false;
  let blankOk = false;
  let quote = '';
  for (let i = 0; i < chars.length; i++) {
    let ch = chars[i];
    if (!inWord && !quote) {
      if (/\s/u.test(ch)) continue;
      inWord = true;
    }
    if (quote) {
      if (ch === quote) quote = '';
      if (ch === escape && quote !== "'") {
        if (i + 1 === chars.length) continue; // a trailing escape is dropped
        word += ch;
        ch = chars[++i];
      }
      word += ch;
      continue;
    }
    if (/\s/u.test(ch)) {
      if (blankOk || word) words.push(word);
      word = '';
      blankOk = false;
      inWord = false;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      blankOk = true;
    }
    if (ch === escape) {
      if (i + 1 === chars.length) continue;
      word += ch;
      ch = chars[++i];
    }
    word += ch;
  }
  if (inWord && (blankOk || word)) words.push(word);
  return words;
}

// ENV and LABEL: `KEY value with spaces` (old form) or `k=v k2="v 2"` (new form).
function nameValues(rest: string, command: string, escape: string): KeyValue[] {
  const words = quotedWords(rest, escape);
  if (!words.length) throw new Error(`${command} requires at least one argument`);
  if (!words[0].includes('=')) {
    const parts = /^(\S+)[\t\v\f\r ]+([\s\S]+)$/.exec(rest);
    if (!parts) throw new Error(`${command} must have two arguments`);
    return [{ key: parts[1], value: parts[2] }];
  }
  return words.map((word) => {
    const eq = word.indexOf('=');
    if (eq < 0) throw new Error(`Syntax error - can't find = in "${word}". Must be of the form: name=value`);
    if (eq === 0) throw new Error(`${command} names can not be blank`);
    return { key: word.slice(0, eq), value: word.slice(eq + 1) };
  });
}

function parseArgs(rest: string, escape: string) {
  const words = quotedWords(rest, escape);
  if (!words.length) throw new Error('ARG requires at least one argument');
  return words.map((word) => {
    const eq = word.indexOf('=');
    if (eq < 0) return { key: word };
    if (eq === 0) throw new Error('ARG names can not be blank');
    return { key: word.slice(0, eq), value: word.slice(eq + 1) };
  });
}

const inlineFiles = (raw: RawLine): InlineFile[] =>
  raw.heredocs.map((h) => ({ name: h.name, data: h.chomp ? h.content.replace(/^\t+/gm, '') : h.content, expand: h.expand }));

function copyOrAdd(raw: RawLine, cmd: 'copy' | 'add'): Instruction {
  const upper = cmd.toUpperCase();
  const args = maybeJson(raw.rest) ?? whitespaceWords(raw.rest);
  if (args.length < 2) throw new Error(`${upper} requires at least two arguments, but only one was provided. Destination could not be determined`);
  const f =
    cmd === 'copy'
      ? parseFlags(raw.flags, { chown: 'string', from: 'string', chmod: 'string', link: 'bool' })
      : parseFlags(raw.flags, { chown: 'string', chmod: 'string', link: 'bool', 'keep-git-dir': 'bool', checksum: 'string' });
  const dest = args[args.length - 1];
  if (parseHeredocWord(dest)) throw new Error(`${upper} cannot accept a heredoc as a destination`);
  const docs = new Map(inlineFiles(raw).map((d) => [d.name, d]));
  const sources: string[] = [];
  const contents: InlineFile[] = [];
  for (const src of args.slice(0, -1)) {
    const doc = parseHeredocWord(src);
    const body = doc && docs.get(doc.name);
    if (body) contents.push(body);
    else sources.push(src);
  }
  const spec = { sources, contents, dest, chown: str(f.chown), chmod: str(f.chmod), link: f.link === true };
  if (cmd === 'copy') return { kind: 'COPY', ...at(raw), from: str(f.from), ...spec };
  return { kind: 'ADD', ...at(raw), keepGitDir: f['keep-git-dir'] === true, checksum: str(f.checksum), ...spec };
}

// RUN flags exist only with BuildKit; docker's classic builder refuses them with this message.
const buildkitRunFlags = new Set(['mount', 'network', 'security']);

function commandLine(raw: RawLine, cmd: 'run' | 'cmd' | 'entrypoint'): Instruction {
  if (cmd === 'run') {
    for (const word of raw.flags) {
      const name = word.replace(/^--/, '').replace(/=.*$/s, '');
      if (buildkitRunFlags.has(name)) {
        throw new Error(`the --${name} option requires BuildKit. Refer to https://docs.docker.com/go/buildkit/ to learn how to build images with BuildKit enabled`);
      }
    }
  }
  parseFlags(raw.flags, {});
  const kind = cmd.toUpperCase() as 'RUN' | 'CMD' | 'ENTRYPOINT';
  if (kind === 'RUN' && !raw.rest) throw new Error('RUN requires at least one argument');
  const line = shellOrExec(raw.rest);
  return { kind, ...at(raw), ...line, files: inlineFiles(raw) };
}

function shellOrExec(rest: string): Omit<CommandLine, 'files'> {
  const json = maybeJson(rest);
  if (json) return { command: json, prependShell: false };
  return { command: rest ? [rest] : [], prependShell: true };
}

const healthFlags = { interval: 'Interval', timeout: 'Timeout', 'start-period': 'StartPeriod', 'start-interval': 'StartInterval' } as const;

function healthcheck(raw: RawLine): HealthConfig {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(raw.rest);
  if (!m) throw new Error('HEALTHCHECK requires at least one argument');
  const type = m[1].toUpperCase();
  if (type === 'NONE') {
    if (m[2]) throw new Error('HEALTHCHECK NONE takes no arguments');
    return { Test: ['NONE'] };
  }
  const f = parseFlags(raw.flags, { interval: 'string', timeout: 'string', 'start-period': 'string', 'start-interval': 'string', retries: 'string' });
  if (type !== 'CMD') throw new Error(`Unknown type "${type}" in HEALTHCHECK (try CMD)`);
  const cmd = shellOrExec(m[2]);
  if (!cmd.command.length) throw new Error('Missing command after HEALTHCHECK CMD');
  const out: HealthConfig = { Test: [cmd.prependShell ? 'CMD-SHELL' : 'CMD', ...cmd.command] };
  for (const [flag, field] of Object.entries(healthFlags)) {
    const v = str(f[flag]);
    if (!v) continue;
    const ns = parseGoDuration(v);
    if (ns === null) throw new Error(goDurationError(v));
    if (ns !== 0 && ns < 1_000_000) throw new Error(`Interval "${flag}" cannot be less than 1ms`);
    out[field] = ns;
  }
  const retries = str(f.retries);
  if (retries) {
    if (!/^[-+]?\d+$/.test(retries)) throw new Error(`strconv.ParseInt: parsing "${retries}": invalid syntax`);
    if (Number(retries) < 0) throw new Error(`--retries cannot be negative (${Number(retries)})`);
    out.Retries = Number(retries);
  }
  return out;
}

function onbuild(raw: RawLine): Instruction {
  if (!raw.rest) throw new Error('ONBUILD requires at least one argument');
  parseFlags(raw.flags, {});
  const trigger = (/^(\S+)/.exec(raw.rest)?.[1] ?? '').toUpperCase();
  if (trigger === 'ONBUILD') throw new Error('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
  if (trigger === 'MAINTAINER' || trigger === 'FROM') throw new Error(`${trigger} isn't allowed as an ONBUILD trigger`);
  let expression = raw.original.replace(/^\s*ONBUILD\s*/i, '');
  for (const h of raw.heredocs) expression += '\n' + h.content + h.name;
  return { kind: 'ONBUILD', ...at(raw), expression };
}
