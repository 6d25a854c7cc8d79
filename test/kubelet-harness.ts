// An in-process `skiff agent` (engine + runtime + kubelet on a private root, its own pod CIDR and bridges)
// joined to a test control plane; stop/start it on the same root (pods outlive it); cleanup takes down
// every pod, process, mount, cgroup and network it left, by what its root records.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runAgent, type AgentOptions } from '../src/agent/index.ts';
import { proxyTableName } from '../src/cluster/proxy/index.ts';
import { createEngine, createRuntimeService } from '../src/engine/index.ts';
import { sweepNetwork, testNetworkOptions } from '../src/engine/network/testing.ts';
import { SKIFF, run, uniqueName, BUSYBOX_CHANGES, BUSYBOX_TAR } from './harness.ts';

export interface TestNode {
  name: string;
  root: string;
  podCIDR: string;
  socket: string;
  /** the agent's run (resolves when it has stopped) */
  running: Promise<void> | undefined;
  start(): void;
  stop(): Promise<void>;
  /** kill -9 the agent's process (joined as a process only): nothing of it gets to clean up */
  kill(): Promise<void>;
  /** `skiff` against the node engine's Docker API socket */
  skiff(args: string[]): ReturnType<typeof run>;
  cleanup(): Promise<void>;
}

/** join as `skiff agent --server --token --ca-file` in a process of its own (else in-process, with the kubeconfig) */
export interface JoinFlags { server: string; token: string; caFile?: string }

/** `allocated`: no --pod-cidr, the Node gets its podCIDR from the server, whose --cluster-cidr hands out
 * exactly o.podCIDR (a /24 from testNetworkPodCIDR(), given with --node-cidr-mask-size 24); `nodeIP`: the node's
 * InternalIP (default 127.0.0.1; NodePorts need a real address: the kernel does not DNAT loopback);
 * `relistIntervalMs` / `resyncIntervalMs`: the kubelet's loops (in-process agents only; relist 500 ms by default here);
 * `agent`: more options of the in-process agent (cluster DNS settings, ...), or a function of its pod CIDR giving them */
export async function startNode(kubeconfig: string, join_?: JoinFlags, o: {
  allocated?: boolean; podCIDR?: string; nodeIP?: string; relistIntervalMs?: number; resyncIntervalMs?: number;
  agent?: Partial<AgentOptions> | ((podCIDR: string) => Partial<AgentOptions>);
} = {}): Promise<TestNode> {
  const nodeIP = o.nodeIP ?? '127.0.0.1';
  const root = await mkdtemp('/var/tmp/skiff-kubelet-test-');
  const net = testNetworkOptions();
  const pods = testNetworkOptions();
  const podCIDR = o.podCIDR ?? pods.bip.replace(/\.1\/24$/, '.0/24');
  const podBridge = `kp${pods.bridge.slice(2)}`;
  const name = uniqueName('node');
  const socket = join(root, 'docker.sock');
  let abort: AbortController | undefined;
  let child: ChildProcess | undefined;
  const node: TestNode = {
    name, root, podCIDR, socket, running: undefined,
    start() {
      if (join_) {
        const fd = openSync(join(root, 'agent.log'), 'a');
        child = spawn(SKIFF, ['agent', '--server', join_.server, '--token', join_.token, ...(join_.caFile ? ['--ca-file', join_.caFile] : []), '--root', root, '--node-name', name,
          ...(o.allocated ? [] : ['--pod-cidr', podCIDR]), '--node-ip', nodeIP, '--pod-bridge', podBridge, '--bridge', net.bridge, '--bip', net.bip, '--kubelet-port', '0'], { stdio: ['ignore', fd, fd] });
        closeSync(fd);
        const c = child;
        node.running = new Promise((ok, fail) => c.once('exit', (code, sig) => (code === 0 ? ok() : fail(new Error(`skiff agent exited ${code ?? sig}`)))));
        return;
      }
      abort = new AbortController();
      node.running = runAgent({ kubeconfig, root, nodeName: name, nodeIP, podCIDR: o.allocated ? undefined : podCIDR, podBridge, bridge: net.bridge, bip: net.bip, kubeletPort: 0, signal: abort.signal, relistIntervalMs: o.relistIntervalMs ?? 500, resyncIntervalMs: o.resyncIntervalMs,
        ...(typeof o.agent === 'function' ? o.agent(podCIDR) : o.agent) });
      node.running.catch((err: Error) => process.stderr.write(`agent stopped with: ${err.stack}\n`));
    },
    async stop() {
      abort?.abort();
      child?.kill('SIGTERM');
      await node.running?.catch(() => {});
      node.running = undefined;
    },
    async kill() {
      if (!child) throw new Error('kill needs an agent process (startNode with join flags)');
      child.kill('SIGKILL');
      await node.running?.catch(() => {});
      node.running = undefined;
    },
    skiff: (args) => run(SKIFF, ['-H', `unix://${socket}`, ...args], { timeoutMs: 120_000 }),
    async cleanup() {
      await node.stop();
      // pods outlive the agent by design: take them down through a runtime on the same root
      const engineRoot = join(root, 'engine');
      const runRoot = join(root, 'run');
      try {
        const engine = await createEngine({ root: engineRoot, runRoot, ...net });
        const { runtime } = createRuntimeService(engine, { podCIDR, bridge: podBridge });
        // best effort: the sweeps below take down by pid and path whatever this leaves
        for (const p of await runtime.listPodSandbox().catch(() => [])) await runtime.removePodSandbox(p.id).catch(() => {});
        await engine.close().catch(() => {});
      } catch (err) {
        process.stderr.write(`cleanup: ${(err as Error).message}\n`);
      }
      const cdir = join(engineRoot, 'containers');
      for (const id of await readdir(cdir).catch(() => [] as string[])) {
        for (const f of ['pidfile', 'conmon.pid']) {
          const pid = Number(await readFile(`${cdir}/${id}/userdata/${f}`, 'utf8').catch(() => '0'));
          if (pid > 0) try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
        }
      }
      await sleep(200);
      for (const r of ['crun', 'runc']) {
        const base = `${runRoot}/${r}`;
        for (const id of await readdir(base).catch(() => [] as string[])) {
          if (id.startsWith('.')) continue;
          try { execFileSync(r, ['--root', base, 'delete', '--force', id], { stdio: 'ignore' }); } catch { /* not there */ }
        }
      }
      const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m?.startsWith(root));
      for (const m of mounts.reverse()) try { execFileSync('umount', ['-l', m]); } catch { /* raced away */ }
      for (const ctrl of await readdir('/sys/fs/cgroup').catch(() => [] as string[])) {
        for (const id of await readdir(cdir).catch(() => [] as string[])) await rm(`/sys/fs/cgroup/${ctrl}/skiff/${id}`, { recursive: false }).catch(() => {});
      }
      await sweepNetwork(engineRoot, net.bridge);
      // the service proxy's rules outlive the agent by design
      await run('nft', ['delete', 'table', 'ip', proxyTableName(root)]).catch(() => undefined);
      try { execFileSync('ip', ['link', 'del', podBridge], { stdio: 'ignore' }); } catch { /* swept already */ }
      if (!process.env.SKIFF_KEEP_TEST_ROOT) await rm(root, { recursive: true, force: true });
    },
  };
  node.start();
  return node;
}

/** a /24 no route on this host covers (for a node's pod CIDR) */
export const testNetworkPodCIDR = () => testNetworkOptions().bip.replace(/\.1\/24$/, '.0/24');

/** busybox as `ref` in the node's engine (pods use it with IfNotPresent: no registry here) */
export async function loadBusybox(node: TestNode, ref: string): Promise<void> {
  for (let i = 0; ; i++) {
    const r = await node.skiff(['image', 'import', ...BUSYBOX_CHANGES.flatMap((c) => ['--change', c]), BUSYBOX_TAR, ref]);
    if (r.code === 0) return;
    if (i > 50) throw new Error(`importing busybox failed: ${r.stderr}`);
    await sleep(200); // the agent's socket comes up after the engine
  }
}
