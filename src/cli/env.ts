// Environment entries for run/create/exec (-e, --env-file), as docker reads them.
// node:fs comes through getBuiltinModule: an ESM import of it costs ~4 ms of start-up (its lazy getters).
import { usageError } from './args.ts';

/** Env entries as docker takes them: `K=v` as given, a bare `K` takes this process's value when it has one. */
export function envEntries(values: string[], files: string[]): string[] {
  const fromFiles = files.flatMap((f) => {
    let text: string;
    try {
      text = process.getBuiltinModule('node:fs').readFileSync(f, 'utf8');
    } catch (err) {
      throw usageError({ path: 'skiff' }, `open ${f}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
    }
    return text.split('\n').map((l) => l.replace(/^\s+/, '')).filter((l) => l && !l.startsWith('#'));
  });
  return [...fromFiles, ...values].map((e) => {
    if (e.includes('=')) return e;
    const local = process.env[e];
    return local === undefined ? e : `${e}=${local}`;
  });
}
