// Helpers for control-plane tests: a private `skiff server` (own --root, own port) run as a real process,
// simulated nodes as real `skiff sim nodes` processes, and the real kubectl pointed at them. Everything is
// stopped by PID and its directory removed in cleanup.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { SKIFF, run, waitFor, type RunResult } from './harness.ts';

export const KUBECTL = process.env.KUBECTL ?? 'kubectl';

/** A TCP port nobody listens on now (the kernel's pick). */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

export interface Proc {
  child: ChildProcess;
  log: string;
  /** SIGTERM, then SIGKILL after 5 s; resolves when it has exited */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

function startProc(args: string[], log: string, env?: Record<string, string>): Proc {
  const fd = openSync(log, 'a');
  const child = spawn(SKIFF, args, { stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
  closeSync(fd);
  let exited = false;
  const exitP = new Promise<void>((ok) => child.once('exit', () => { exited = true; ok(); }));
  return {
    child,
    log,
    async stop(signal = 'SIGTERM') {
      if (exited) return;
      child.kill(signal);
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exitP;
      clearTimeout(t);
    },
  };
}

export interface ControlPlane {
  root: string;
  port: number;
  kubeconfig: string;
  server: Proc;
  datastore?: string;
  /** run kubectl with this cluster's kubeconfig */
  kubectl(args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<RunResult>;
  /** kubectl …'s stdout; fails the test with stderr when kubectl fails */
  ok(args: string[], input?: string): Promise<string>;
  /** kubectl … -o json, parsed; throws with stderr when it fails */
  kjson<T = any>(args: string[]): Promise<T>;
  /** start `skiff sim nodes` (a process; stop() makes its nodes dead) */
  sim(count: number, prefix: string, extra?: string[]): Promise<Proc>;
  /** stop the server process (the state stays) and start it again on the same root, port and store */
  restart(): Promise<void>;
  cleanup(): Promise<void>;
}

export interface ControlPlaneOptions {
  datastore?: string;
  /** --node-monitor-grace-period, e.g. '8s' */
  grace?: string;
  /**
   * --default-{not-ready,unreachable}-toleration-seconds (DefaultTolerationSeconds); with a grace period and
   * none given: 0, so pods of a dead node go right after the grace period as the node-failure tests expect
   */
  tolerationSeconds?: number;
  /** more `skiff server` flags */
  args?: string[];
}

const tolerationArgs = (s: number | undefined) => (s === undefined ? [] : ['--default-not-ready-toleration-seconds', String(s), '--default-unreachable-toleration-seconds', String(s)]);

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const root = mkdtempSync('/var/tmp/skiff-cp-');
  const port = await freePort();
  const kubeconfig = join(root, 'admin.kubeconfig');
  const procs: Proc[] = [];
  const serverArgs = ['server', '--root', root, '--port', String(port), ...(opts.datastore ? ['--datastore', opts.datastore] : []), ...(opts.grace ? ['--node-monitor-grace-period', opts.grace] : []),
    ...tolerationArgs(opts.tolerationSeconds ?? (opts.grace ? 0 : undefined)), ...(opts.args ?? [])];
  const launch = async () => {
    const p = startProc(serverArgs, join(root, 'server.log'));
    procs.push(p);
    await waitFor('the API server to answer', async () => {
      if (p.child.exitCode !== null) throw new Error(`skiff server exited ${p.child.exitCode}: ${readFileSync(p.log, 'utf8').slice(-2000)}`);
      if (!existsSync(kubeconfig)) return false;
      const r = await run(KUBECTL, ['--kubeconfig', kubeconfig, 'get', '--raw', '/readyz'], { timeoutMs: 10_000 });
      return r.code === 0;
    }, 60_000, 200);
    return p;
  };
  const cp: ControlPlane = {
    root,
    port,
    kubeconfig,
    datastore: opts.datastore,
    server: await launch(),
    kubectl: (args, o = {}) => run(KUBECTL, ['--kubeconfig', kubeconfig, ...args], { input: o.input, timeoutMs: o.timeoutMs ?? 60_000 }),
    async ok(args, input) {
      const r = await cp.kubectl(args, { input });
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
      return r.stdout;
    },
    async kjson(args) {
      const r = await cp.kubectl([...args, '-o', 'json']);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
      return JSON.parse(r.stdout);
    },
    async sim(count, prefix, extra = []) {
      const p = startProc(['sim', 'nodes', '--count', String(count), '--prefix', prefix, '--kubeconfig', kubeconfig, ...extra], join(root, `sim-${prefix}.log`));
      procs.push(p);
      await waitFor(`${count} node(s) ${prefix}-* Ready`, async () => {
        if (p.child.exitCode !== null) throw new Error(`skiff sim nodes exited ${p.child.exitCode}: ${readFileSync(p.log, 'utf8').slice(-2000)}`);
        const r = await cp.kubectl(['get', 'nodes', '-o', 'json']);
        if (r.code !== 0) return false;
        const nodes = (JSON.parse(r.stdout).items as any[]).filter((n) => n.metadata.name.startsWith(`${prefix}-`));
        return nodes.length === count && nodes.every((n) => n.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));
      }, 60_000, 200);
      return p;
    },
    async restart() {
      await cp.server.stop();
      cp.server = await launch();
    },
    async cleanup() {
      await Promise.all(procs.map((p) => p.stop()));
      if (process.env.SKIFF_KEEP_TEST_ROOT) return;
      await rm(root, { recursive: true, force: true });
    },
  };
  return cp;
}
