// What a verb is: its flags and usage (for parsing and --help) and what it does.
import type { FlagSpec, Parsed } from './args.ts';
import type { Client } from './http.ts';

export interface Context {
  /** `unix:///…` the CLI talks to */
  host: string;
  /** the global -H as given (undefined when the host came from the environment or the default) */
  hostFlag?: string;
  /** the command path as the user typed it (`skiff container ls`), for messages */
  path: string;
  /** the HTTP client, created on first use */
  api(): Client;
}

export interface Command {
  usage: string;
  summary: string;
  flags: FlagSpec[];
  args?: { min?: number; max?: number };
  /** false: flags end at the first positional (the image or container; the rest is the command) */
  interspersed?: boolean;
  /** a verb group's own --help (`skiff compose --help` lists its commands) */
  help?: () => string;
  /** returns the exit status (0 when void) */
  run(ctx: Context, p: Parsed): Promise<number | void>;
}

/**
 * Apply `action` to each name in turn, as docker's multi-container verbs do: print what succeeded,
 * report each failure on stderr, and exit 1 if any failed.
 */
export async function eachContainer(names: string[], action: (name: string) => Promise<string | void>): Promise<number> {
  let failed = false;
  for (const name of names) {
    try {
      const line = await action(name);
      if (line !== undefined) process.stdout.write(`${line}\n`);
    } catch (err) {
      failed = true;
      process.stderr.write(`${(err as Error).message}\n`);
    }
  }
  return failed ? 1 : 0;
}

export const enc = encodeURIComponent;

/** SIGINT/SIGTERM → abort (the long-running verbs' graceful stop); a second signal leaves at once. */
export function stopSignal(): AbortSignal {
  const abort = new AbortController();
  let signals = 0;
  const stop = () => {
    if (++signals > 1) process.exit(130);
    abort.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return abort.signal;
}
