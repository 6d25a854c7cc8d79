// Running one probe (or a lifecycle hook's httpGet) from the node: exec through the runtime's execSync,
// httpGet / tcpSocket / grpc to the pod's IP. A result is ok or a message as the kubelet words it.
import * as http from 'node:http';
import * as https from 'node:https';
import * as http2 from 'node:http2';
import { connect } from 'node:net';
import type { Container, HTTPGetAction, Probe } from 'kubernetes-types/core/v1.js';
import type { RuntimeService } from '../../engine/types/runtime.ts';

export type ProbeResult = { ok: true; output?: string } | { ok: false; output: string };

/** a named port (`http`) is the container's port of that name */
export function resolvePort(port: number | string | undefined, c: Container): number {
  if (typeof port === 'number') return port;
  if (port && /^\d+$/.test(port)) return Number(port);
  const p = c.ports?.find((x) => x.name === port);
  if (!p) throw new Error(`couldn't find port ${port} in container ${c.name}`);
  return p.containerPort;
}

export function httpGet(action: HTTPGetAction, host: string, c: Container, timeoutMs: number): Promise<ProbeResult> {
  const port = resolvePort(action.port, c);
  const scheme = (action.scheme ?? 'HTTP').toLowerCase();
  const path = action.path?.startsWith('/') ? action.path : `/${action.path ?? ''}`;
  const target = action.host || host;
  const url = `${scheme}://${target.includes(':') ? `[${target}]` : target}:${port}${path}`;
  const headers: Record<string, string> = { 'user-agent': 'kube-probe/1.32', accept: '*/*' };
  for (const h of action.httpHeaders ?? []) headers[h.name.toLowerCase()] = h.value;
  return new Promise((resolve) => {
    const mod = scheme === 'https' ? https : http;
    const req = mod.request(url, { method: 'GET', headers, timeout: timeoutMs, rejectUnauthorized: false, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (b: Buffer) => { if (size < 10_240) { chunks.push(b); size += b.length; } });
      res.on('end', () => {
        const code = res.statusCode ?? 0;
        const body = Buffer.concat(chunks).toString('utf8').slice(0, 10_240);
        resolve(code >= 200 && code < 400 ? { ok: true, output: body } : { ok: false, output: `HTTP probe failed with statuscode: ${code}` });
      });
      res.on('error', (err) => resolve({ ok: false, output: `Get "${url}": ${err.message}` }));
    });
    req.on('timeout', () => req.destroy(new Error('context deadline exceeded (Client.Timeout exceeded while awaiting headers)')));
    req.on('error', (err) => resolve({ ok: false, output: `Get "${url}": ${goNetError(err, target, port)}` }));
    req.end();
  });
}

/** "dial tcp 10.42.0.5:80: connect: connection refused", as Go prints it */
function goNetError(err: Error & { code?: string }, host: string, port: number): string {
  if (err.code === 'ECONNREFUSED') return `dial tcp ${host}:${port}: connect: connection refused`;
  if (err.code === 'EHOSTUNREACH') return `dial tcp ${host}:${port}: connect: no route to host`;
  return err.message;
}

export function tcpSocket(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const s = connect({ host, port, timeout: timeoutMs });
    s.once('connect', () => { s.destroy(); resolve({ ok: true }); });
    s.once('timeout', () => { s.destroy(); resolve({ ok: false, output: `dial tcp ${host}:${port}: i/o timeout` }); });
    s.once('error', (err) => resolve({ ok: false, output: goNetError(err, host, port) }));
  });
}

/** grpc.health.v1.Health/Check: SERVING (1) is healthy */
export function grpcHealth(host: string, port: number, service: string, timeoutMs: number): Promise<ProbeResult> {
  const addr = `${host}:${port}`;
  return new Promise((resolve) => {
    const fail = (msg: string) => { session.destroy(); resolve({ ok: false, output: msg }); };
    const session = http2.connect(`http://${host.includes(':') ? `[${host}]` : host}:${port}`);
    const timer = setTimeout(() => fail(`timeout: health rpc did not complete within ${timeoutMs / 1000}s`), timeoutMs);
    session.on('error', (err) => { clearTimeout(timer); fail(`failed to connect service "${addr}" within ${timeoutMs / 1000}s: ${err.message}`); });
    const name = Buffer.from(service);
    const msg = name.length ? Buffer.concat([Buffer.from([0x0a, name.length]), name]) : Buffer.alloc(0);
    const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, msg.length]), msg]);
    const req = session.request({ ':method': 'POST', ':path': '/grpc.health.v1.Health/Check', 'content-type': 'application/grpc', te: 'trailers' });
    const chunks: Buffer[] = [];
    let grpcStatus = '';
    req.on('data', (b: Buffer) => chunks.push(b));
    req.on('response', (h) => { if (h['grpc-status']) grpcStatus = String(h['grpc-status']); });
    req.on('trailers', (h) => { grpcStatus = String(h['grpc-status'] ?? grpcStatus); });
    req.on('error', (err) => { clearTimeout(timer); fail(`rpc error: ${err.message}`); });
    req.on('end', () => {
      clearTimeout(timer);
      session.close();
      const body = Buffer.concat(chunks);
      // message: field 1 (status), varint; SERVING = 1
      const status = body.length >= 7 && body[5] === 0x08 ? body[6] : 0;
      if (grpcStatus && grpcStatus !== '0') return resolve({ ok: false, output: `rpc error: code = ${grpcStatus}` });
      resolve(status === 1 ? { ok: true } : { ok: false, output: `service unhealthy (responded with "${['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'][status] ?? status}")` });
    });
    req.end(frame);
  });
}

/** one probe of any kind against a running container */
export async function runProbe(probe: Probe, c: Container, containerId: string, podIP: string, runtime: RuntimeService): Promise<ProbeResult> {
  const timeoutSec = probe.timeoutSeconds ?? 1;
  if (probe.exec) {
    try {
      const r = await runtime.execSync(containerId, probe.exec.command ?? [], timeoutSec);
      const out = Buffer.concat([r.stdout, r.stderr]).toString('utf8').slice(0, 10_240);
      return r.exitCode === 0 ? { ok: true, output: out } : { ok: false, output: out || `command ${JSON.stringify((probe.exec.command ?? []).join(' '))} exited with ${r.exitCode}` };
    } catch (err) {
      return { ok: false, output: `command timed out or failed: ${(err as Error).message}` };
    }
  }
  if (probe.httpGet) return httpGet(probe.httpGet, podIP, c, timeoutSec * 1000);
  if (probe.tcpSocket) return tcpSocket(probe.tcpSocket.host || podIP, resolvePort(probe.tcpSocket.port, c), timeoutSec * 1000);
  if (probe.grpc) return grpcHealth(podIP, probe.grpc.port, probe.grpc.service ?? '', timeoutSec * 1000);
  return { ok: true };
}
