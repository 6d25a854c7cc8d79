// What the bench/service sections share: the cluster bench/service/run made (from its environment), kubectl,
// `name: value unit` lines, quantiles, a namespace of the section's own, polling.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the sections through bench/service/run`);
  return v;
};
export const kubeconfig = () => env('BENCH_KUBECONFIG');
export const image = () => env('BENCH_IMAGE');
/** cluster.json of the `skiff up` cluster: the nodes in order (node-1 is this host) */
export const layout = (): { nodes: Array<{ name: string; ip: string; podCIDR: string; netns?: string }> } =>
  JSON.parse(readFileSync(join(env('BENCH_CLUSTER'), 'cluster.json'), 'utf8'));

export const log = (m: string) => process.stderr.write(`# ${m}\n`);
export const note = (m: string) => process.stdout.write(`# ${m}\n`);
export const result = (name: string, value: number, unit: string) =>
  process.stdout.write(`${name}: ${Number.isInteger(value) ? value : value.toFixed(value < 10 ? 2 : 1)} ${unit}\n`);
export const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] : NaN;
};
export const median = (xs: number[]) => quantile(xs, 0.5);

/** a command's stdout; rejects with its stderr when it exits non-zero */
export function sh(cmd: string, args: string[], o: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: o.timeoutMs ?? 120_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout));
    if (o.input !== undefined) child.stdin?.end(o.input);
  });
}
export const kubectl = (args: string[], o: { input?: string; timeoutMs?: number } = {}) =>
  sh(process.env.KUBECTL ?? 'kubectl', ['--kubeconfig', kubeconfig(), ...args], o);
export const kjson = async <T = any>(args: string[]): Promise<T> => JSON.parse(await kubectl([...args, '-o', 'json']));

export async function waitFor<T>(what: string, fn: () => Promise<T> | T, timeoutMs = 120_000, everyMs = 250): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await Promise.resolve(fn()).catch(() => undefined);
    if (v) return v as NonNullable<T>;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** runs fn with a fresh namespace, removed afterwards (waited for, so the next section starts on a quiet cluster) */
export async function inNamespace(ns: string, fn: (ns: string) => Promise<void>): Promise<void> {
  await kubectl(['create', 'namespace', ns]);
  try {
    await fn(ns);
  } finally {
    await kubectl(['delete', 'namespace', ns, '--wait=true', '--timeout=120s'], { timeoutMs: 150_000 }).catch((err: Error) => log(`removing ${ns}: ${err.message}`));
  }
}

/** the sections' server: pod `srv` on `node` (busybox httpd on 8080 serving `ok` at / and `bigMiB` of zeros at /big,
 * plus a second httpd on `secondPort` when given) behind ClusterIP Service `srv` port 80 */
export function serverManifests(ns: string, node: string, bigMiB: number, secondPort?: number): string {
  const second = secondPort ? `httpd -p ${secondPort} -h /www && ` : '';
  const script = `mkdir -p /www && echo ok > /www/index.html && dd if=/dev/zero of=/www/big bs=1M count=${bigMiB} 2>/dev/null && ${second}exec httpd -f -p 8080 -h /www`;
  return `apiVersion: v1
kind: Pod
metadata: { name: srv, namespace: ${ns}, labels: { app: srv } }
spec:
  nodeName: ${node}
  terminationGracePeriodSeconds: 1
  containers:
  - name: httpd
    image: ${image()}
    imagePullPolicy: Never
    command: ["sh", "-c", ${JSON.stringify(script)}]
    ports: [{ name: http, containerPort: 8080 }]
    readinessProbe: { httpGet: { path: /, port: http }, periodSeconds: 1 }
---
apiVersion: v1
kind: Service
metadata: { name: srv, namespace: ${ns} }
spec:
  selector: { app: srv }
  ports: [{ port: 80, targetPort: http }]
`;
}
