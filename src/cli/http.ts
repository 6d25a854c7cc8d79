// The CLI's HTTP/1.1 client for the Docker Engine API over a unix socket.
//
// Written on node:net rather than node:http because loading node:http costs ~60 ms of start-up on this
// Node, and start-up is the CLI's budget. It does one request per connection (`Connection: close`),
// decodes Content-Length, chunked and until-close bodies, and hands the socket over for hijacked streams
// (attach, exec: `Connection: Upgrade`, `Upgrade: tcp`, answered with 101).
import { connect, type Socket } from 'node:net';
import { PassThrough, type Readable } from 'node:stream';
import { ApiError, CliError } from './errors.ts';

export const API_VERSION = '1.50';
export const DEFAULT_HOST = 'unix:///run/skiff/docker.sock';

export type Query = Record<string, string | number | boolean | string[] | undefined>;

export interface RequestOptions {
  query?: Query;
  /** JSON-encoded unless a Buffer or a Readable (sent chunked) */
  body?: unknown;
  headers?: Record<string, string>;
  /** take over the connection after the answer (attach, exec start) */
  hijack?: boolean;
}

export interface ApiResponse {
  status: number;
  /** lower-case names */
  headers: Record<string, string>;
  body: Readable;
  /** the connection: write stdin here on a hijacked stream, `end()` to close the container's stdin */
  socket: Socket;
}

export interface Client {
  readonly host: string;
  request(method: string, path: string, opts?: RequestOptions): Promise<ApiResponse>;
  json<T>(method: string, path: string, opts?: RequestOptions): Promise<T>;
  /** HEAD-less ping; resolves with the server's API version */
  ping(): Promise<string>;
}

/** `-H` / SKIFF_HOST / DOCKER_HOST / default, in docker's order of precedence. */
export function resolveHost(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  return flag || env.SKIFF_HOST || env.DOCKER_HOST || DEFAULT_HOST;
}

export function socketPath(host: string): string {
  if (host.startsWith('unix://')) return host.slice('unix://'.length);
  if (host.startsWith('/')) return host;
  throw new CliError(`unsupported host ${JSON.stringify(host)}: skiff connects only to unix sockets (unix:///path)`, 1);
}

export function encodeQuery(query: Query = {}): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) {
      const s = item === true ? '1' : item === false ? '0' : String(item);
      parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(s)}`);
    }
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

// SKIFF_TRACE=1: one stderr line per request with its time to the answer's headers
const trace = Boolean(process.env.SKIFF_TRACE);

/** ms since the process started (process.uptime: the `performance` global loads perf_hooks, ~2 ms) */
const now = () => process.uptime() * 1000;

/** With SKIFF_TRACE=1, note a moment (ms since the process started) on stderr. */
export function traceMark(label: string): void {
  if (trace) process.stderr.write(`[trace] ${label} (t=${now().toFixed(1)})\n`);
}

export function createClient(host: string): Client {
  const path = socketPath(host);
  let version = API_VERSION;
  let negotiated = false;

  const connectError = (err: NodeJS.ErrnoException): CliError => {
    if (err.code === 'EACCES' || err.code === 'EPERM')
      return new CliError(`permission denied while trying to connect to the skiff daemon socket at ${host}: dial unix ${path}: connect: permission denied`, 1, { cause: err });
    if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED' || err.code === 'ENOTSOCK')
      return new CliError(`Cannot connect to the skiff daemon at ${host}. Is the daemon running?`, 1, { cause: err });
    return new CliError(`error during connect to ${host}: ${err.message}`, 1, { cause: err });
  };

  const once = (method: string, url: string, opts: RequestOptions): Promise<ApiResponse> =>
    new Promise((resolve, reject) => {
      const socket = connect({ path, allowHalfOpen: true });
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        socket.destroy();
        reject(err);
      };
      socket.once('error', (err: NodeJS.ErrnoException) => fail(connectError(err)));
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        socket.on('error', (err) => fail(new CliError(`error talking to the daemon: ${err.message}`, 1, { cause: err })));
        writeRequest(socket, method, url, opts).catch(fail);
      });
      readResponse(socket, method, opts.hijack === true).then(
        (res) => {
          settled = true;
          resolve(res);
        },
        (err) => fail(err),
      );
    });

  const request = async (method: string, p: string, opts: RequestOptions = {}): Promise<ApiResponse> => {
    if (!negotiated && isStream(opts.body)) await ping();
    const url = `/v${version}${p}${encodeQuery(opts.query)}`;
    const t0 = trace ? now() : 0;
    const res = await once(method, url, opts);
    if (trace) process.stderr.write(`[http] ${method} ${url} → ${res.status} in ${(now() - t0).toFixed(1)} ms (t=${t0.toFixed(1)}→${now().toFixed(1)})\n`);
    if (res.status < 400) return res;
    const err = await apiError(res);
    // an older daemon (dockerd 20.10 serves 1.41): talk its version, as docker's negotiation does
    // (a HEAD answer has no body to say so: ask /_ping)
    if (res.status === 400 && !negotiated && !isStream(opts.body)) {
      const before = version;
      const older = /Maximum supported API version is ([\d.]+)/.exec(err.detail);
      if (older) version = older[1];
      else if (method === 'HEAD') await ping();
      negotiated = true;
      if (version !== before) return request(method, p, opts);
    }
    throw err;
  };

  const ping = async (): Promise<string> => {
    const res = await once('GET', '/_ping', {});
    await readAll(res.body);
    const v = res.headers['api-version'];
    if (v && compareVersions(v, API_VERSION) < 0) version = v;
    negotiated = true;
    return v ?? '';
  };

  return {
    host,
    request,
    ping,
    async json<T>(method: string, p: string, opts?: RequestOptions): Promise<T> {
      const res = await request(method, p, opts);
      const text = (await readAll(res.body)).toString('utf8');
      return (text.trim() ? JSON.parse(text) : undefined) as T;
    },
  };
}

function isStream(body: unknown): body is Readable {
  return typeof body === 'object' && body !== null && typeof (body as Readable).pipe === 'function';
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

async function writeRequest(socket: Socket, method: string, url: string, opts: RequestOptions): Promise<void> {
  const headers: Record<string, string> = { Host: 'api.moby.localhost', 'User-Agent': 'skiff-cli', ...opts.headers };
  if (opts.hijack) Object.assign(headers, { Connection: 'Upgrade', Upgrade: 'tcp' });
  else headers.Connection = 'close';
  let payload: Buffer | string | undefined;
  const body = opts.body;
  if (isStream(body)) {
    headers['Transfer-Encoding'] = 'chunked';
    headers['Content-Type'] ??= 'application/x-tar';
  } else if (body !== undefined) {
    payload = Buffer.isBuffer(body) ? body : JSON.stringify(body);
    if (!Buffer.isBuffer(body)) headers['Content-Type'] ??= 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(payload));
  } else if (method === 'POST' || method === 'PUT') headers['Content-Length'] = '0';
  const head = `${method} ${url} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  // one write (one packet for the daemon to read); a JSON body stays a string: no Buffer copies
  socket.write(Buffer.isBuffer(payload) ? Buffer.concat([Buffer.from(head), payload]) : payload ? head + payload : head);
  if (!isStream(body)) return;
  for await (const chunk of body as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (buf.length === 0) continue;
    const ok = socket.write(Buffer.concat([Buffer.from(`${buf.length.toString(16)}\r\n`), buf, Buffer.from('\r\n')]));
    if (!ok) await new Promise<void>((r) => socket.once('drain', r));
  }
  socket.write('0\r\n\r\n');
}

/** Parse the status line and headers, then stream the body (decoded) into a PassThrough. */
function readResponse(socket: Socket, method: string, hijack: boolean): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    let head: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = head.length ? Buffer.concat([head, chunk]) : chunk;
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > 64 * 1024) reject(new CliError('malformed answer from the daemon (header too large)', 1));
        return;
      }
      socket.off('data', onData);
      socket.off('end', onEnd);
      const lines = head.subarray(0, end).toString('latin1').split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0])?.[1]);
      if (!status) return reject(new CliError(`malformed answer from the daemon: ${JSON.stringify(lines[0])}`, 1));
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const c = line.indexOf(':');
        if (c > 0) headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
      }
      const body = new PassThrough();
      const rest = head.subarray(end + 4);
      const raw = status === 101 || (hijack && status < 300 && !headers['content-length'] && !/chunked/i.test(headers['transfer-encoding'] ?? ''));
      pipeBody(socket, body, rest, raw ? { kind: 'raw' } : bodyFraming(method, status, headers));
      resolve({ status, headers, body, socket });
    };
    const onEnd = () => reject(new CliError('the daemon closed the connection without an answer', 1));
    socket.on('data', onData);
    socket.once('end', onEnd);
  });
}

type Framing = { kind: 'raw' } | { kind: 'length'; length: number } | { kind: 'chunked' } | { kind: 'none' };

function bodyFraming(method: string, status: number, headers: Record<string, string>): Framing {
  if (method === 'HEAD' || status === 204 || status === 304) return { kind: 'none' };
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) return { kind: 'chunked' };
  if (headers['content-length'] !== undefined) return { kind: 'length', length: Number(headers['content-length']) };
  return { kind: 'raw' };
}

function pipeBody(socket: Socket, body: PassThrough, first: Buffer, framing: Framing): void {
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    socket.off('data', feed);
    body.end();
    if (framing.kind !== 'raw') socket.destroy();
  };
  let left = framing.kind === 'length' ? framing.length : 0;
  const decode = framing.kind === 'chunked' ? chunkedDecoder((b) => push(b), finish) : null;
  const push = (b: Buffer) => {
    if (b.length && !body.write(b)) {
      socket.pause();
      body.once('drain', () => socket.resume());
    }
  };
  function feed(chunk: Buffer) {
    if (done) return;
    if (framing.kind === 'raw') push(chunk);
    else if (framing.kind === 'length') {
      const part = chunk.subarray(0, left);
      left -= part.length;
      push(part);
      if (left <= 0) finish();
    } else if (decode) decode(chunk);
  }
  body.on('error', () => socket.destroy());
  // the reader went away (e.g. `logs -f` interrupted): drop the connection
  body.on('close', () => {
    if (!done && framing.kind !== 'raw') socket.destroy();
  });
  if (framing.kind === 'none' || (framing.kind === 'length' && left === 0)) {
    finish();
    return;
  }
  socket.on('data', feed);
  socket.once('end', finish);
  socket.once('close', finish);
  if (first.length) feed(first);
}

/** Transfer-Encoding: chunked, incrementally. */
export function chunkedDecoder(push: (b: Buffer) => void, end: () => void): (chunk: Buffer) => void {
  let state: 'size' | 'data' | 'crlf' | 'trailer' | 'done' = 'size';
  let line = '';
  let left = 0;
  return (chunk: Buffer) => {
    let i = 0;
    while (i < chunk.length && state !== 'done') {
      if (state === 'size' || state === 'trailer') {
        const nl = chunk.indexOf(0x0a, i);
        const piece = chunk.subarray(i, nl < 0 ? chunk.length : nl).toString('latin1');
        line += piece;
        if (nl < 0) return;
        i = nl + 1;
        const text = line.replace(/\r$/, '');
        line = '';
        if (state === 'trailer') {
          if (text === '') {
            state = 'done';
            end();
          }
          continue;
        }
        left = parseInt(text.split(';')[0], 16);
        state = left > 0 ? 'data' : 'trailer';
      } else if (state === 'data') {
        const part = chunk.subarray(i, i + left);
        push(part);
        left -= part.length;
        i += part.length;
        if (left === 0) state = 'crlf';
      } else {
        // the CRLF after a chunk's data
        const nl = chunk.indexOf(0x0a, i);
        if (nl < 0) return;
        i = nl + 1;
        state = 'size';
      }
    }
  };
}

export async function readAll(body: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of body) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

async function apiError(res: ApiResponse): Promise<ApiError> {
  const text = (await readAll(res.body)).toString('utf8').trim();
  let message = text;
  try {
    const parsed = JSON.parse(text) as { message?: string };
    if (typeof parsed?.message === 'string') message = parsed.message;
  } catch {
    // not JSON: the text is the message
  }
  return new ApiError(res.status, message || `HTTP ${res.status}`);
}

/** Lines of a JSON message stream (pull/import progress); an `error` in the stream becomes an ApiError. */
export async function* jsonMessages(body: Readable): AsyncGenerator<Record<string, unknown>> {
  let buf = '';
  for await (const chunk of body) {
    buf += (chunk as Buffer).toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) yield checkMessage(JSON.parse(line));
    }
  }
  if (buf.trim()) yield checkMessage(JSON.parse(buf));
}

function checkMessage(m: Record<string, unknown>): Record<string, unknown> {
  const detail = m.errorDetail as { message?: string } | undefined;
  if (m.error || detail?.message) throw new ApiError(500, String(detail?.message ?? m.error));
  return m;
}
