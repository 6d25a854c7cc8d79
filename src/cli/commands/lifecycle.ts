// Verbs that move containers between states: start, stop, restart, kill, pause, unpause, rm, wait,
// rename, container prune.
import { createInterface } from 'node:readline/promises';
import { type Command, type Context, eachContainer, enc, ApiError, CliError, startFailureCode, readAll, type Query, DEFAULT_DETACH_KEYS, pumpStreams } from '../core.ts';
import { decimalSize } from '../format.ts';

async function post(ctx: Context, path: string, query?: Query): Promise<void> {
  await readAll((await ctx.api().request('POST', path, { query })).body);
}

const timeoutFlag = { name: 'timeout', short: 't', type: 'string' as const, value: 'int', help: 'Seconds to wait before killing the container' };
const signalFlag = { name: 'signal', short: 's', type: 'string' as const, help: 'Signal to send to the container' };

function seconds(ctx: Context, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw new CliError(`invalid argument "${value}" for "-t, --timeout" flag: strconv.ParseInt: parsing "${value}": invalid syntax\nSee '${ctx.path} --help'.`, 125);
  return Number(value);
}

export const start: Command = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Start one or more stopped containers',
  flags: [
    { name: 'attach', short: 'a', type: 'bool', help: 'Attach STDOUT/STDERR and forward signals' },
    { name: 'detach-keys', type: 'string', help: 'Override the key sequence for detaching a container' },
    { name: 'interactive', short: 'i', type: 'bool', help: "Attach container's STDIN" },
  ],
  args: { min: 1 },
  async run(ctx, p) {
    const attach = p.bool('attach') || p.bool('interactive');
    if (!attach) return eachContainer(p.args, async (name) => (await post(ctx, `/containers/${enc(name)}/start`), name));
    if (p.args.length > 1) throw new CliError('you cannot start and attach multiple containers at once', 1);
    const api = ctx.api();
    const info = await api.json<{ Id: string; Config: { Tty: boolean; OpenStdin: boolean } }>('GET', `/containers/${enc(p.args[0])}/json`);
    const path = `/containers/${info.Id}`;
    const stdin = p.bool('interactive') && info.Config.OpenStdin;
    const detachKeys = p.str('detach-keys') ?? DEFAULT_DETACH_KEYS;
    const res = await api.request('POST', `${path}/attach`, { query: { stream: true, stdin, stdout: true, stderr: true, detachKeys }, hijack: true });
    const wait = api.request('POST', `${path}/wait`, { query: { condition: 'next-exit' } });
    wait.catch(() => undefined);
    try {
      await post(ctx, `${path}/start`);
    } catch (err) {
      res.socket.destroy();
      throw err instanceof ApiError ? new CliError(err.message, startFailureCode(err.detail)) : err;
    }
    const { detached } = await pumpStreams({
      res,
      tty: info.Config.Tty,
      stdin,
      detachKeys,
      resize: (h, w) => post(ctx, `${path}/resize`, { h, w }),
      sigProxy: (sig) => void post(ctx, `${path}/kill`, { signal: sig }).catch(() => undefined),
    });
    if (detached) return 0;
    try {
      const r = JSON.parse((await readAll((await wait).body)).toString()) as { StatusCode: number };
      return r.StatusCode;
    } catch {
      const state = await api.json<{ State: { ExitCode: number } }>('GET', `${path}/json`);
      return state.State.ExitCode;
    }
  },
};

export const stop: Command = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Stop one or more running containers',
  flags: [signalFlag, timeoutFlag],
  args: { min: 1 },
  run: (ctx, p) => {
    const t = seconds(ctx, p.str('timeout'));
    return eachContainer(p.args, async (name) => (await post(ctx, `/containers/${enc(name)}/stop`, { t, signal: p.str('signal') }), name));
  },
};

export const restart: Command = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Restart one or more containers',
  flags: [signalFlag, timeoutFlag],
  args: { min: 1 },
  run: (ctx, p) => {
    const t = seconds(ctx, p.str('timeout'));
    return eachContainer(p.args, async (name) => (await post(ctx, `/containers/${enc(name)}/restart`, { t, signal: p.str('signal') }), name));
  },
};

export const kill: Command = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Kill one or more running containers',
  flags: [{ name: 'signal', short: 's', type: 'string', help: 'Signal to send to the container', def: '"KILL"' }],
  args: { min: 1 },
  run: (ctx, p) => eachContainer(p.args, async (name) => (await post(ctx, `/containers/${enc(name)}/kill`, { signal: p.str('signal') }), name)),
};

export const pause: Command = {
  usage: 'CONTAINER [CONTAINER...]',
  summary: 'Pause all processes within one or more containers',
  flags: [],
  args: { min: 1 },
  run: (ctx, p) => eachContainer(p.args, async (name) => (await post(ctx, `/containers/${enc(name)}/pause`), name)),
};

export const unpause: Command = {
  usage: 'CONTAINER [CONTAINER...]',
  summary: 'Unpause all processes within one or more containers',
  flags: [],
  args: { min: 1 },
  run: (ctx, p) => eachContainer(p.args, async (name) => (await post(ctx, `/containers/${enc(name)}/unpause`), name)),
};

export const rm: Command = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Remove one or more containers',
  flags: [
    { name: 'force', short: 'f', type: 'bool', help: 'Force the removal of a running container (uses SIGKILL)' },
    { name: 'volumes', short: 'v', type: 'bool', help: 'Remove anonymous volumes associated with the container' },
  ],
  args: { min: 1 },
  run: (ctx, p) =>
    eachContainer(p.args, async (name) => {
      const res = await ctx.api().request('DELETE', `/containers/${enc(name)}`, { query: { force: p.bool('force') || undefined, v: p.bool('volumes') || undefined } });
      await readAll(res.body);
      return name;
    }),
};

export const wait: Command = {
  usage: 'CONTAINER [CONTAINER...]',
  summary: 'Block until one or more containers stop, then print their exit codes',
  flags: [],
  args: { min: 1 },
  run: (ctx, p) =>
    eachContainer(p.args, async (name) => {
      const r = await ctx.api().json<{ StatusCode: number; Error?: { Message?: string } | null }>('POST', `/containers/${enc(name)}/wait`);
      if (r.Error?.Message) throw new CliError(r.Error.Message, 1);
      return String(r.StatusCode);
    }),
};

export const rename: Command = {
  usage: 'CONTAINER NEW_NAME',
  summary: 'Rename a container',
  flags: [],
  args: { min: 2, max: 2 },
  async run(ctx, p) {
    const [from, to] = p.args;
    if (!to.trim()) throw new CliError('Error: neither old nor new names may be empty', 1);
    await post(ctx, `/containers/${enc(from)}/rename`, { name: to });
  },
};

/** docker's "Are you sure" prompt; anything but y/yes is no. */
export async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } catch {
    return false;
  } finally {
    rl.close();
  }
}

export const prune: Command = {
  usage: '[OPTIONS]',
  summary: 'Remove all stopped containers',
  flags: [
    { name: 'filter', type: 'list', value: 'filter', help: 'Provide filter values (e.g. "until=<timestamp>")' },
    { name: 'force', short: 'f', type: 'bool', help: 'Do not prompt for confirmation' },
  ],
  args: { max: 0 },
  async run(ctx, p) {
    if (!p.bool('force') && !(await confirm('WARNING! This will remove all stopped containers.\nAre you sure you want to continue?'))) return 0;
    const filters: Record<string, string[]> = {};
    for (const f of p.list('filter')) {
      const [k, ...v] = f.split('=');
      (filters[k] ??= []).push(v.join('='));
    }
    const r = await ctx.api().json<{ ContainersDeleted: string[] | null; SpaceReclaimed: number }>('POST', '/containers/prune', {
      query: { filters: Object.keys(filters).length ? JSON.stringify(filters) : undefined },
    });
    const deleted = r.ContainersDeleted ?? [];
    if (deleted.length) process.stdout.write(`Deleted Containers:\n${deleted.join('\n')}\n\n`);
    process.stdout.write(`Total reclaimed space: ${decimalSize(r.SpaceReclaimed ?? 0)}\n`);
  },
};
