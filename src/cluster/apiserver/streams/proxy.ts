// Proxying to a kubelet over HTTPS with the API server's kubelet-client certificate. Plain requests
// (logs, nodes/proxy) are forwarded and their answers streamed back; a kubelet error becomes a Status
// with its text. Upgrades (exec, attach, port-forward) are spliced byte for byte once the request is
// sent: the WebSocket or SPDY conversation is between kubectl and the kubelet, as kube-apiserver's
// UpgradeAwareHandler does it.
import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { StatusError, type StatusReason } from '../../types/status-error.ts';
import type { KubeletAddress } from './locate.ts';
import { logger } from '../../../lib/log.ts';

const log = logger('apiserver');

export interface KubeletClientTls {
  cert: string;
  key: string;
}

/** how long a kubelet may take to accept the connection */
const dialTimeoutMs = 10_000;

const reasons: Record<number, StatusReason> = { 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed', 500: 'InternalError', 503: 'ServiceUnavailable' };

/** A kubelet's non-2xx answer as a Status carrying its text */
export function kubeletError(code: number, text: string): StatusError {
  return new StatusError({ code, reason: reasons[code] ?? 'InternalError', message: text.trim() || `the kubelet answered ${code}` });
}

const unreachable = (addr: KubeletAddress, err: unknown) =>
  new StatusError({ code: 502, reason: 'InternalError', message: `error dialing backend: ${(err as Error).message} (kubelet ${addr.host}:${addr.port})` });

/** GET `path` on the kubelet and stream the answer to `res` (errors before the first byte are thrown) */
export function proxyGet(req: IncomingMessage, res: ServerResponse, addr: KubeletAddress, path: string, tls: KubeletClientTls): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = httpsRequest({ host: addr.host, port: addr.port, path, method: 'GET', cert: tls.cert, key: tls.key, rejectUnauthorized: false, headers: { accept: req.headers.accept ?? '*/*' } }, (kres) => {
      const code = kres.statusCode ?? 500;
      if (code < 200 || code > 299) {
        const chunks: Buffer[] = [];
        kres.on('data', (c: Buffer) => chunks.push(c));
        kres.on('end', () => reject(kubeletError(code, Buffer.concat(chunks).toString('utf8'))));
        kres.on('error', reject);
        return;
      }
      res.writeHead(code, { 'Content-Type': kres.headers['content-type'] ?? 'text/plain', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
      res.flushHeaders();
      kres.pipe(res);
      kres.on('end', () => resolve());
      kres.on('error', () => resolve()); // the answer has begun: all that is left is to end it
    });
    out.setTimeout(dialTimeoutMs, () => !res.headersSent && out.destroy(new Error(`no answer in ${dialTimeoutMs / 1000} s`)));
    out.on('response', () => out.setTimeout(0));
    out.on('error', (err) => (res.headersSent ? (res.destroy(), resolve()) : reject(unreachable(addr, err))));
    // kubectl logs -f that goes away: stop the kubelet's follow too
    res.on('close', () => out.destroy());
    out.end();
  });
}

/** Hop-by-hop and credential headers the kubelet does not get; the upgrade's own are kept */
const dropped = new Set(['authorization', 'host', 'proxy-connection', 'keep-alive', 'transfer-encoding', 'content-length']);

/** Sends the upgrade request to the kubelet and splices the two connections */
export function proxyUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, addr: KubeletAddress, path: string, tls: KubeletClientTls): Promise<void> {
  return new Promise((resolve, reject) => {
    const backend = tlsConnect({ host: addr.host, port: addr.port, cert: tls.cert, key: tls.key, rejectUnauthorized: false, servername: /^[\d.]+$|:/.test(addr.host) ? undefined : addr.host });
    backend.once('error', (err) => reject(unreachable(addr, err)));
    backend.setTimeout(dialTimeoutMs, () => backend.destroy(new Error(`no answer in ${dialTimeoutMs / 1000} s`)));
    backend.once('secureConnect', () => {
      backend.setTimeout(0);
      // small frames both ways (SPDY SYN/REPLY round trips, keystrokes): Nagle would hold each for an ACK
      backend.setNoDelay(true);
      if ('setNoDelay' in socket && typeof socket.setNoDelay === 'function') socket.setNoDelay(true);
      const lines = [`${req.method ?? 'GET'} ${path} HTTP/1.1`, `Host: ${addr.host}:${addr.port}`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        if (!dropped.has(req.rawHeaders[i].toLowerCase())) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      }
      backend.write(lines.join('\r\n') + '\r\n\r\n');
      if (head.length) backend.write(head);
      backend.removeAllListeners('error');
      backend.on('error', (err) => {
        log.debug('kubelet stream failed', { err: String(err) });
        socket.destroy();
      });
      socket.on('error', () => backend.destroy());
      socket.pipe(backend);
      backend.pipe(socket);
      resolve();
    });
  });
}
