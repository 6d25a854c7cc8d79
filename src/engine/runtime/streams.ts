// Running things in a pod: execSync (probes), exec and attach as in-process stream sessions over the
// engine's exec/attach (conmon's sockets), and port-forward's connection inside the pod's netns.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { Duplex, PassThrough, type Readable, type Writable } from 'node:stream';
import type { Attachment, Engine } from '../types.ts';
import type * as Cri from '../types/runtime.ts';
import { deadlineExceeded, failedPrecondition, unavailable } from '../../lib/errors.ts';
import { logger } from '../../lib/log.ts';
import { netnsConnectBinary } from './binaries.ts';

const log = logger('runtime');

/** Output of an attachment split into a stdout and a stderr stream (null where not wanted). */
function splitOutput(att: Attachment, stdout: boolean, stderr: boolean): { out: PassThrough | null; err: PassThrough | null; ended: Promise<void> } {
  const out = stdout ? new PassThrough() : null;
  const err = stderr ? new PassThrough() : null;
  const ended = (async () => {
    try {
      for await (const c of att.output) {
        const to = c.stream === 'stderr' ? err ?? null : out;
        if (to && !to.write(c.data)) await new Promise((r) => to.once('drain', r));
      }
    } finally {
      out?.end();
      err?.end();
    }
  })();
  return { out, err, ended };
}

function killPid(pid: number): void {
  try {
    if (pid > 0) process.kill(pid, 'SIGKILL');
  } catch {
    // gone already: its end is on the way
  }
}

export async function execSync(engine: Engine, containerId: string, cmd: string[], timeoutSec: number): Promise<{ stdout: Buffer; stderr: Buffer; exitCode: number }> {
  const ex = await engine.containers.execCreate(containerId, {
    cmd, env: [], tty: false, attachStdin: false, attachStdout: true, attachStderr: true, privileged: false,
  });
  try {
    const att = await engine.containers.execStart(ex.id, { detach: false, tty: false });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    // CRI: a timeout of 0 is none
    const timer = timeoutSec > 0 ? setTimeout(() => {
      timedOut = true;
      engine.containers.execInspect(ex.id).then((r) => killPid(r.pid), () => {}); // forgotten: it ended already
    }, timeoutSec * 1000) : null;
    try {
      for await (const c of att!.output) (c.stream === 'stderr' ? err : out).push(c.data);
    } finally {
      if (timer) clearTimeout(timer);
    }
    if (timedOut) throw deadlineExceeded(`command ${JSON.stringify(cmd.join(' '))} timed out after ${timeoutSec}s`);
    const r = await engine.containers.execInspect(ex.id);
    return { stdout: Buffer.concat(out), stderr: Buffer.concat(err), exitCode: r.exitCode ?? -1 };
  } finally {
    engine.containers.execForget(ex.id);
  }
}

export async function exec(engine: Engine, req: Cri.ExecRequest): Promise<Cri.StreamSession> {
  const ex = await engine.containers.execCreate(req.containerId, {
    cmd: req.cmd, env: [], tty: req.tty, attachStdin: req.stdin, attachStdout: req.stdout, attachStderr: req.stderr && !req.tty, privileged: false,
  });
  const att = (await engine.containers.execStart(ex.id, { detach: false, tty: req.tty }))!;
  const { out, err, ended } = splitOutput(att, req.stdout || req.tty, req.stderr && !req.tty);
  const done = ended.then(async () => {
    const exitCode = (await engine.containers.execInspect(ex.id)).exitCode ?? -1;
    engine.containers.execForget(ex.id);
    return { exitCode };
  });
  return {
    stdin: req.stdin ? att.input : null,
    stdout: out, stderr: err,
    resize: (w, h) => engine.containers.execResize(ex.id, h, w),
    done,
    close: () => {
      att.close();
      engine.containers.execInspect(ex.id).then((r) => r.running && killPid(r.pid), () => {}); // forgotten: it ended already
    },
  };
}

export async function attach(engine: Engine, req: Cri.AttachRequest): Promise<Cri.StreamSession> {
  const att = await engine.containers.attach(req.containerId, { stdin: req.stdin, stdout: req.stdout, stderr: req.stderr, stream: true, logs: false });
  const { out, err, ended } = splitOutput(att, req.stdout, req.stderr && !req.tty);
  let closed = false;
  // the output ends as the process does, a little before the engine has recorded its exit: wait for that
  // (unless the caller closed the session on a container that goes on)
  const done = ended.then(async () => {
    if (!closed) {
      // an attachment cut for another reason (its relay gone) does not hold the session for the container's life
      const r = await engine.containers.wait(req.containerId, 'not-running', AbortSignal.timeout(5000)).catch(() => null);
      if (r) return { exitCode: r.StatusCode };
    }
    return { exitCode: (await engine.containers.get(req.containerId)).state.exitCode };
  });
  return {
    stdin: req.stdin ? att.input : null,
    stdout: out, stderr: err,
    resize: (w, h) => engine.containers.resize(req.containerId, h, w),
    done,
    close: () => {
      closed = true;
      att.close();
    },
  };
}

/** One duplex over a child's stdout (what the connection says) and stdin (what it is told). */
function pipesDuplex(r: Readable, w: Writable): Duplex {
  const d = new Duplex({
    read: () => void r.resume(),
    write: (chunk: Buffer, _enc, cb) => void w.write(chunk, cb),
    final: (cb) => void w.end(cb),
    destroy: (err, cb) => {
      r.destroy();
      w.destroy();
      cb(err);
    },
  });
  r.on('data', (b: Buffer) => !d.push(b) && r.pause());
  r.once('end', () => d.push(null));
  w.on('error', (e) => d.destroy(e));
  return d;
}

/** A TCP connection to 127.0.0.1:`port` inside the network namespace at `netns` ('' = the host's). */
export function connectInNetns(netns: string, port: number): Promise<Duplex> {
  if (!netns) {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port, noDelay: true });
      s.once('connect', () => resolve(s));
      s.once('error', (e) => reject(unavailable(`port-forward to 127.0.0.1:${port}: ${e.message}`, e)));
    });
  }
  const child = spawn(netnsConnectBinary(), [netns, String(port)], { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const ready = child.stdio[3] as NodeJS.ReadableStream;
  return new Promise((resolve, reject) => {
    let settled = false;
    ready.once('data', () => {
      settled = true;
      const duplex = pipesDuplex(child.stdout!, child.stdin!);
      // a caller that destroys its end ends the relay
      duplex.once('close', () => child.exitCode === null && child.kill('SIGTERM'));
      child.once('exit', (code) => code && log.debug('port-forward relay exited', { code, stderr: stderr.trim() }));
      resolve(duplex);
    });
    child.once('error', (e) => !settled && reject(failedPrecondition(`port-forward: ${e.message}`, e)));
    // 'close', not 'exit': the reason on stderr has been read by then
    child.once('close', () => {
      if (settled) return;
      settled = true;
      reject(unavailable(`port-forward to port ${port}: ${stderr.trim().replace(/^skiff-netns-connect: /, '') || 'the relay exited'}`));
    });
  });
}
