// `skiff attach`: hijack the container's stdio; ctrl-p ctrl-q detaches and leaves it running.
import { type Command, enc, CliError, readAll, DEFAULT_DETACH_KEYS, pumpStreams } from '../core.ts';

interface Inspect {
  Id: string;
  Config: { Tty: boolean; OpenStdin: boolean };
  State: { Running: boolean; Paused: boolean; Restarting: boolean; ExitCode: number };
}

export const attach: Command = {
  usage: '[OPTIONS] CONTAINER',
  summary: 'Attach local standard input, output, and error streams to a running container',
  flags: [
    { name: 'detach-keys', type: 'string', help: 'Override the key sequence for detaching a container' },
    { name: 'no-stdin', type: 'bool', help: 'Do not attach STDIN' },
    { name: 'sig-proxy', type: 'bool', help: 'Proxy all received signals to the process', def: 'true' },
  ],
  args: { min: 1, max: 1 },
  async run(ctx, p) {
    const api = ctx.api();
    const info = await api.json<Inspect>('GET', `/containers/${enc(p.args[0])}/json`);
    if (!info.State.Running) throw new CliError('You cannot attach to a stopped container, start it first', 1);
    if (info.State.Paused) throw new CliError('You cannot attach to a paused container, unpause it first', 1);
    if (info.State.Restarting) throw new CliError('You cannot attach to a restarting container, wait until it is running', 1);
    const path = `/containers/${info.Id}`;
    const stdin = info.Config.OpenStdin && !p.bool('no-stdin');
    const tty = info.Config.Tty;
    if (stdin && tty && !process.stdin.isTTY) throw new CliError('the input device is not a TTY', 1);
    const detachKeys = p.str('detach-keys') ?? DEFAULT_DETACH_KEYS;
    const res = await api.request('POST', `${path}/attach`, { query: { stream: true, stdin, stdout: true, stderr: true, detachKeys }, hijack: true });
    const sigProxy = !p.has('sig-proxy') || p.bool('sig-proxy');
    const { detached } = await pumpStreams({
      res,
      tty,
      stdin,
      detachKeys,
      resize: (h, w) => api.request('POST', `${path}/resize`, { query: { h, w } }).then((r) => readAll(r.body)),
      sigProxy: sigProxy ? (sig) => void api.request('POST', `${path}/kill`, { query: { signal: sig } }).then((r) => readAll(r.body), () => undefined) : undefined,
    });
    if (detached) return 0;
    // the stream ended: the container exited (or is about to); report its status as docker does
    const r = await api.json<{ StatusCode: number }>('POST', `${path}/wait`).catch(() => ({ StatusCode: 0 }));
    return r.StatusCode;
  },
};
