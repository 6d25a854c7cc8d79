// The runtime's two small C programs, built by scripts/build.mjs into dist/: skiff-pause (the sandbox's
// process) and skiff-netns-connect (port-forward's connection inside a pod's netns). Found next to the
// bundle or, from source, at the repo's dist/; compiled once into a temp dir when dist/ lacks them.
import { existsSync, mkdtempSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { failedPrecondition } from '../../lib/errors.ts';

const built = new Map<string, string>();

function findBinary(name: 'skiff-pause' | 'skiff-netns-connect', source: string, flags: string[]): string {
  const candidates = [
    fileURLToPath(new URL(`./${name}`, import.meta.url)),
    fileURLToPath(new URL(`../../../dist/${name}`, import.meta.url)),
    built.get(name),
  ];
  for (const c of candidates) if (c && existsSync(c)) return c;
  const src = fileURLToPath(new URL(`./${source}`, import.meta.url));
  if (existsSync(src)) {
    try {
      const out = join(mkdtempSync(join(tmpdir(), `${name}-`)), name);
      execFileSync('gcc', ['-O2', ...flags, '-o', out, src], { stdio: 'ignore' });
      built.set(name, out);
      return out;
    } catch {
      // no gcc or no static libc: the message below says what to do
    }
  }
  throw failedPrecondition(`dist/${name} is missing: run \`node scripts/build.mjs\` (needs gcc and a static libc)`);
}

export const pauseBinary = () => findBinary('skiff-pause', 'pause.c', ['-static', '-s']);
export const netnsConnectBinary = () => findBinary('skiff-netns-connect', 'netns-connect.c', []);
