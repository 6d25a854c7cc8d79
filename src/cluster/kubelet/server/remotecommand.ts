// exec and attach over WebSocket with Kubernetes' channel subprotocols (v5.channel.k8s.io; v4 and the
// base64 variants, for browsers and older clients, as fallbacks):
// every binary message starts with its channel — 0 stdin, 1 stdout, 2 stderr, 3 error (a metav1.Status
// once the command ends), 4 resize ({"Width","Height"}); v5 adds 255 <channel>, "the sender closed it"
// (kubectl's stdin EOF). The process's output is sent as it comes; once it ended and its output is out,
// the Status goes on channel 3 and the connection closes with 1000 (kubectl reads that as the end).
import type { IncomingMessage } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { acceptWebSocket, requestedProtocols, type WebSocket } from '../../../lib/websocket/index.ts';
import type { StreamSession } from '../../../engine/types/runtime.ts';
import { logger } from '../../../lib/log.ts';

const log = logger('kubelet-streams');

export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;
export const REMOTECOMMAND_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v4.base64.channel.k8s.io', 'base64.channel.k8s.io'];

/** the base64 protocols send text messages: the channel as an ASCII digit, then the data in base64 */
const isBase64 = (protocol: string) => protocol.includes('base64');

/** The Status kubectl reads on the error channel: Success, or the exit code as NonZeroExitCode */
export function exitStatus(exitCode: number, cmd: string[]): object {
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {}, status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${cmd.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

export const failureStatus = (message: string): object => ({ metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 });

/** the least time between two resizes reaching conmon (see coalescedResize) */
const RESIZE_GATHER_MS = 250;

/**
 * A session's resize, applied at once, then at most one per window with what came meanwhile folded into its
 * last size: kubectl attach sends the
 * size + 1 and then the size at once (to force a redraw), and two resizes that reach conmon in one read of
 * its control (or window-size) fifo leave the first size: conmon 2.1's read_from_ctrl_buffer hands every line
 * the buffer's start. Seen here: the terminal stayed at the +1 size with 30 ms between them under load.
 */
export function coalescedResize(session: StreamSession): (width: number, height: number) => void {
  let pending: { width: number; height: number } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();
  const apply = (size: { width: number; height: number }) => {
    chain = chain.then(() => session.resize(size.width, size.height)).catch((err: unknown) => log.debug('resize failed', { err: String(err) }));
    // the next one waits out the window; the last of those that came meanwhile is applied then
    timer = setTimeout(() => {
      timer = undefined;
      const next = pending;
      pending = undefined;
      if (next) apply(next);
    }, RESIZE_GATHER_MS);
  };
  return (width, height) => {
    if (timer) pending = { width, height };
    else apply({ width, height });
  };
}

/** The channel subprotocol this server would pick for the request, or undefined */
export const pickRemoteCommandProtocol = (req: IncomingMessage): string | undefined =>
  requestedProtocols(req).find((p) => REMOTECOMMAND_PROTOCOLS.includes(p));

export interface RemoteCommand {
  /** starts the session; a rejection is reported on the error channel */
  start(): Promise<StreamSession>;
  /** for the error message of a non-zero exit */
  cmd: string[];
  /** attach: the end is Success whatever the container's exit */
  reportExit: boolean;
}

/** Accepts the WebSocket and carries a session over it until the command ends */
export function serveRemoteCommand(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string, rc: RemoteCommand): void {
  let session: StreamSession | undefined;
  const pendingInput: Buffer[] = [];
  let stdinClosed = false;
  let resize: (width: number, height: number) => void = () => undefined;
  const base64 = isBase64(protocol);
  const channel = (id: number, data: Buffer) => Buffer.concat([Buffer.from([id]), data]);
  const send = (id: number, data: Buffer) => (base64 ? ws.send(Buffer.from(`${id}${data.toString('base64')}`), false) : ws.send(channel(id, data)));
  const onInput = (id: number, data: Buffer) => {
    if (!session) return void pendingInput.push(channel(id, data));
    if (id === CHANNEL.stdin) session.stdin?.write(data);
    else if (id === CHANNEL.resize) {
      try {
        const size = JSON.parse(data.toString('utf8')) as { Width: number; Height: number };
        resize(size.Width, size.Height);
      } catch (err) {
        log.debug('a resize message that is not JSON', { err: String(err) });
      }
    } else if (id === CHANNEL.close && data[0] === CHANNEL.stdin && !stdinClosed) {
      stdinClosed = true;
      session.stdin?.end();
    }
  };
  const ws: WebSocket = acceptWebSocket(req, socket, head, protocol, {
    message(data) {
      if (!data.length) return;
      if (base64) onInput(data[0] - 0x30, Buffer.from(data.subarray(1).toString('latin1'), 'base64'));
      else onInput(data[0], data.subarray(1));
    },
    close() {
      session?.close();
    },
  });

  const pump = async (stream: Readable | null, id: number) => {
    if (!stream) return;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (!send(id, chunk)) await new Promise((r) => ws.socket.once('drain', r));
    }
  };
  const finish = (status: object) => {
    send(CHANNEL.error, Buffer.from(JSON.stringify(status)));
    ws.close(1000);
  };
  rc.start().then(async (s) => {
    session = s;
    resize = coalescedResize(s);
    for (const m of pendingInput.splice(0)) onInput(m[0], m.subarray(1));
    const [{ exitCode }] = await Promise.all([s.done, pump(s.stdout, CHANNEL.stdout), pump(s.stderr, CHANNEL.stderr)]);
    finish(rc.reportExit ? exitStatus(exitCode, rc.cmd) : exitStatus(0, rc.cmd));
  }).catch((err: unknown) => {
    log.debug('remote command failed', { err: String(err) });
    finish(failureStatus((err as Error).message ?? String(err)));
  });
}
