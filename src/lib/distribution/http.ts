// One HTTP exchange with a registry over node:http/https: keep-alive agents shared by every transfer, a body
// that is a Buffer or a stream, and an answer whose body the caller reads (or drains) as a stream.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { unavailable } from '../errors.ts';

const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 16 });
const httpsAgents = new Map<string, HttpsAgent>();

export interface RegistryRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  signal?: AbortSignal;
  /** PEM certificates to trust besides the system's (a registry with its own CA) */
  ca?: string;
}

export interface RegistryResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
}

function httpsAgent(ca?: string): HttpsAgent {
  const key = ca ?? '';
  let agent = httpsAgents.get(key);
  if (!agent) {
    agent = new HttpsAgent({ keepAlive: true, maxSockets: 16, ...(ca ? { ca: [ca, ...tlsRootCertificates()] } : {}) });
    httpsAgents.set(key, agent);
  }
  return agent;
}

function tlsRootCertificates(): string[] {
  return [...process.getBuiltinModule('node:tls').rootCertificates];
}

/** Send one request; resolves with the answer's head (status, headers) and its body still to read. */
export function send(r: RegistryRequest): Promise<RegistryResponse> {
  const https = r.url.protocol === 'https:';
  const headers: Record<string, string> = { 'User-Agent': 'skiff (docker/28 compatible)', ...r.headers };
  if (Buffer.isBuffer(r.body)) headers['Content-Length'] = String(r.body.length);
  return new Promise((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(r.url, { method: r.method, headers, agent: https ? httpsAgent(r.ca) : httpAgent, signal: r.signal }, (res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res });
    });
    req.on('error', (err) => reject(connectionError(r, err)));
    if (!r.body || Buffer.isBuffer(r.body)) req.end(r.body);
    else {
      r.body.on('error', (err) => req.destroy(err));
      r.body.pipe(req);
    }
  });
}

/** docker's words for a registry that cannot be reached: `Get "https://…": dial tcp …: connection refused` */
function connectionError(r: RegistryRequest, err: Error): Error {
  if (err.name === 'AbortError') return err;
  const code = (err as NodeJS.ErrnoException).code;
  const what = code === 'ECONNREFUSED' ? `dial tcp ${r.url.host}: connect: connection refused` : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? `lookup ${r.url.hostname}: no such host` : err.message;
  const method = r.method[0] + r.method.slice(1).toLowerCase();
  return unavailable(`${method} "${r.url.href}": ${what}`, err);
}

/** Read a (small) answer body whole: error bodies, manifests, tokens. Refuses more than `limit` bytes. */
export async function readBody(body: Readable, limit = 8 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    n += (c as Buffer).length;
    if (n > limit) {
      body.destroy();
      throw unavailable(`the registry's answer is larger than ${limit} bytes`);
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Throw away an answer's body so its connection goes back to the pool. */
export function drain(body: Readable): void {
  body.resume();
}
