// The API server's streaming subresources, served by proxying to the node's kubelet:
//   pods/log (GET, streamed while following), pods/exec, pods/attach, pods/portforward (upgrades),
//   nodes/{name}/proxy/{path} (any GET the kubelet serves, e.g. stats/summary).
// The path kubectl → API server → kubelet (→ RuntimeService) is drawn in docs/ARCHITECTURE.md.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ApiClient } from '../../client/types.ts';
import { badRequestError } from '../../types/status-error.ts';
import { kubeletAddressOf, locatePod } from './locate.ts';
import { proxyGet, proxyUpgrade, type KubeletClientTls } from './proxy.ts';

export type { KubeletClientTls } from './proxy.ts';
export { containerOf, DEFAULT_CONTAINER_ANNOTATION } from './locate.ts';

export interface KubeletStreams {
  /** pods/log (GET) */
  serveLog(req: IncomingMessage, res: ServerResponse, namespace: string, pod: string, q: URLSearchParams): Promise<void>;
  /** pods/exec, pods/attach, pods/portforward as upgrades */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, namespace: string, pod: string, verb: string, q: URLSearchParams): Promise<void>;
  /** nodes/{name}/proxy/{path} */
  nodeProxy(req: IncomingMessage, res: ServerResponse, node: string, path: string, search: string): Promise<void>;
}

const enc = encodeURIComponent;
const truthy = (v: string | null) => v === 'true' || v === '1';
const logParams = ['follow', 'previous', 'tailLines', 'sinceSeconds', 'sinceTime', 'timestamps', 'limitBytes'];

export function createKubeletStreams(client: ApiClient, tls: KubeletClientTls): KubeletStreams {
  return {
    async serveLog(req, res, namespace, pod, q) {
      const t = await locatePod(client, namespace, pod, 'log', q.get('container'));
      if (!t.nodeName) {
        // not scheduled yet: an empty log, as kube-apiserver answers
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end();
        return;
      }
      const out = new URLSearchParams();
      for (const p of logParams) {
        const v = q.get(p);
        if (v !== null && v !== '' && v !== 'false') out.set(p, v);
      }
      const path = `/containerLogs/${enc(namespace)}/${enc(pod)}/${enc(t.container)}${out.size ? `?${out}` : ''}`;
      await proxyGet(req, res, await kubeletAddressOf(client, t.nodeName), path, tls);
    },
    async upgrade(req, socket, head, namespace, pod, verb, q) {
      const t = await locatePod(client, namespace, pod, verb, q.get('container'));
      const addr = await kubeletAddressOf(client, t.nodeName!);
      let path: string;
      if (verb === 'portforward') path = `/portForward/${enc(namespace)}/${enc(pod)}`;
      else {
        const out = new URLSearchParams();
        if (verb === 'exec') {
          const cmd = q.getAll('command');
          if (!cmd.length) throw badRequestError('you must specify at least 1 command');
          for (const c of cmd) out.append('command', c);
        }
        // the kubelet's own names (input/output/error), as kube-apiserver's ExecLocation sends them
        if (truthy(q.get('stdin'))) out.set('input', '1');
        if (truthy(q.get('stdout'))) out.set('output', '1');
        if (truthy(q.get('stderr'))) out.set('error', '1');
        if (truthy(q.get('tty'))) out.set('tty', '1');
        path = `/${verb}/${enc(namespace)}/${enc(pod)}/${enc(t.container)}?${out}`;
      }
      await proxyUpgrade(req, socket, head, addr, path, tls);
    },
    async nodeProxy(req, res, node, path, search) {
      await proxyGet(req, res, await kubeletAddressOf(client, node), `${path || '/'}${search}`, tls);
    },
  };
}
