// `skiff exec`: create an exec instance, start it (hijacked unless -d), stream, exit with its code.
import { type Command, type Client, enc, CliError, readAll, DEFAULT_DETACH_KEYS, pumpStreams, envEntries } from '../core.ts';

export const exec: Command = {
  usage: '[OPTIONS] CONTAINER COMMAND [ARG...]',
  summary: 'Execute a command in a running container',
  flags: [
    { name: 'detach', short: 'd', type: 'bool', help: 'Detached mode: run command in the background' },
    { name: 'detach-keys', type: 'string', help: 'Override the key sequence for detaching a container' },
    { name: 'env', short: 'e', type: 'list', help: 'Set environment variables' },
    { name: 'env-file', type: 'list', help: 'Read in a file of environment variables' },
    { name: 'interactive', short: 'i', type: 'bool', help: 'Keep STDIN open even if not attached' },
    { name: 'privileged', type: 'bool', help: 'Give extended privileges to the command' },
    { name: 'tty', short: 't', type: 'bool', help: 'Allocate a pseudo-TTY' },
    { name: 'user', short: 'u', type: 'string', help: 'Username or UID (format: "<name|uid>[:<group|gid>]")' },
    { name: 'workdir', short: 'w', type: 'string', help: 'Working directory inside the container' },
  ],
  args: { min: 2 },
  interspersed: false,
  async run(ctx, p) {
    const [container, ...cmd] = p.args;
    const detach = p.bool('detach');
    const tty = p.bool('tty');
    const interactive = p.bool('interactive');
    if (tty && interactive && !detach && !process.stdin.isTTY) throw new CliError('the input device is not a TTY', 1);
    return execIn(ctx.api(), container, {
      cmd, detach, tty, interactive, env: envEntries(p.list('env'), p.list('env-file')), workdir: p.str('workdir'), user: p.str('user'),
      privileged: p.bool('privileged'), detachKeys: p.str('detach-keys'),
    });
  },
};

export interface ExecOptions {
  cmd: string[];
  detach: boolean;
  tty: boolean;
  interactive: boolean;
  /** KEY=VALUE entries */
  env: string[];
  workdir?: string;
  user?: string;
  privileged: boolean;
  detachKeys?: string;
}

/** Run a command in a running container (also `compose exec`); returns its exit status. */
export async function execIn(api: Client, container: string, o: ExecOptions): Promise<number> {
  const { detach, tty, interactive } = o;
  const size = tty && process.stdout.isTTY ? [process.stdout.rows, process.stdout.columns] : undefined;
  const { Id } = await api.json<{ Id: string }>('POST', `/containers/${enc(container)}/exec`, {
    body: {
      AttachStdin: interactive && !detach,
      AttachStdout: !detach,
      AttachStderr: !detach,
      Tty: tty,
      Cmd: o.cmd,
      Env: o.env,
      WorkingDir: o.workdir ?? '',
      User: o.user ?? '',
      Privileged: o.privileged,
      DetachKeys: o.detachKeys,
      ConsoleSize: size,
    },
  });
  if (detach) {
    await readAll((await api.request('POST', `/exec/${Id}/start`, { body: { Detach: true, Tty: tty } })).body);
    return 0;
  }
  const res = await api.request('POST', `/exec/${Id}/start`, { body: { Detach: false, Tty: tty, ConsoleSize: size }, hijack: true });
  const { detached } = await pumpStreams({
    res,
    tty,
    stdin: interactive,
    detachKeys: o.detachKeys ?? DEFAULT_DETACH_KEYS,
    resize: (h, w) => api.request('POST', `/exec/${Id}/resize`, { query: { h, w } }).then((r) => readAll(r.body)),
  });
  if (detached) return 0;
  const info = await api.json<{ ExitCode: number | null; Running: boolean }>('GET', `/exec/${Id}/json`);
  return info.ExitCode ?? 0;
}
