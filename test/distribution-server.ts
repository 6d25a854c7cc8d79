// Debian's distribution server (`docker-registry`, the registry docker's own users run) on a free loopback
// port with a private root, optionally behind htpasswd auth; stopped by its PID. And a TCP relay in front
// of a registry that can cut its connections, to see a transfer survive (or fail cleanly on) a lost registry.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, openSync, closeSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { waitFor } from './harness.ts';

export const DISTRIBUTION = '/usr/bin/docker-registry';

export interface Distribution {
  /** `127.0.0.1:PORT` */
  addr: string;
  root: string;
  pid: number;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** `htpasswd`: `user:bcrypt-hash` lines (made with bcryptjs ahead of time: the password is in the test) */
/** `tls`: PEM files of the serving certificate and key (the registry then speaks HTTPS only) */
/** `token`: Docker Hub-style bearer auth (the realm a token server of the test; tokens signed by `certBundle`'s key) */
export interface TokenAuthConfig {
  realm: string;
  service: string;
  issuer: string;
  certBundle: string;
}

export async function startDistribution(o: { htpasswd?: string; tls?: { cert: string; key: string }; token?: TokenAuthConfig } = {}): Promise<Distribution> {
  const root = mkdtempSync('/var/tmp/skiff-dist-');
  const port = await freePort();
  const t = o.token;
  const auth = o.htpasswd
    ? `auth:\n  htpasswd:\n    realm: basic-realm\n    path: ${join(root, 'htpasswd')}\n`
    : t ? `auth:\n  token:\n    realm: ${t.realm}\n    service: ${t.service}\n    issuer: ${t.issuer}\n    rootcertbundle: ${t.certBundle}\n` : '';
  if (o.htpasswd) writeFileSync(join(root, 'htpasswd'), o.htpasswd + '\n');
  const tls = o.tls ? `  tls:\n    certificate: ${o.tls.cert}\n    key: ${o.tls.key}\n` : '';
  writeFileSync(join(root, 'config.yml'), `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${join(root, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n${tls}${auth}log:\n  level: warn\n`);
  const log = openSync(join(root, 'log'), 'a');
  const child: ChildProcess = spawn(DISTRIBUTION, ['serve', join(root, 'config.yml')], { stdio: ['ignore', log, log] });
  closeSync(log);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const addr = `127.0.0.1:${port}`;
  await waitFor(`${addr}/v2/`, async () => {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${readFileSync(join(root, 'log'), 'utf8')}`);
    if (o.tls) return listening(port);
    const r = await fetch(`http://${addr}/v2/`).catch(() => null);
    return r !== null && (r.status === 200 || r.status === 401);
  }, 15_000);
  return {
    addr, root, pid: child.pid!,
    async stop() {
      if (child.exitCode === null) {
        process.kill(child.pid!, 'SIGTERM');
        await exited;
      }
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** something accepts connections on 127.0.0.1:port */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
}

export interface Relay {
  addr: string;
  /** bytes sent from the registry to clients so far */
  readonly sent: number;
  /** cut every open connection when `sent` passes `bytes`; `forever`: also stop accepting (the registry is gone) */
  cutAfter(bytes: number, forever: boolean): void;
  /** cut every open connection once `bytes` more went from clients to the registry (an upload cut midway) */
  cutUploadAfter(bytes: number): void;
  readonly cuts: number;
  close(): Promise<void>;
}

/** A TCP relay to `target`: what goes through is untouched; it can cut the connections mid-transfer. */
export async function startRelay(target: string): Promise<Relay> {
  const [host, port] = target.split(':');
  const sockets = new Set<Socket>();
  let sent = 0;
  let received = 0;
  let upLimit = Infinity;
  let cuts = 0;
  let limit = Infinity;
  let forever = false;
  let gone = false;
  const server: Server = createServer((client) => {
    if (gone) return client.destroy();
    const upstream = connect(Number(port), host);
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > upLimit) {
        upLimit = Infinity;
        cuts++;
        for (const s of sockets) s.destroy();
        return;
      }
      if (!upstream.write(chunk)) {
        client.pause();
        upstream.once('drain', () => client.resume());
      }
    });
    client.on('end', () => upstream.end());
    upstream.on('data', (chunk: Buffer) => {
      sent += chunk.length;
      if (sent > limit) {
        limit = Infinity;
        cuts++;
        if (forever) {
          gone = true;
          server.close();
        }
        for (const s of sockets) s.destroy();
        return;
      }
      if (!client.write(chunk)) {
        upstream.pause();
        client.once('drain', () => upstream.resume());
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    addr,
    get sent() { return sent; },
    get cuts() { return cuts; },
    cutUploadAfter(bytes) {
      upLimit = received + bytes;
    },
    cutAfter(bytes, f) {
      limit = sent + bytes;
      forever = f;
    },
    async close() {
      gone = true;
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A CA and a serving certificate for 127.0.0.1 signed by it (openssl, P-256), in `dir`. */
export async function makeTestCa(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const { run } = await import('./harness.ts');
  const p = (n: string) => join(dir, n);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const steps = [
    ['req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.crt'), '-days', '1', '-subj', '/CN=skiff test CA'],
    ['req', ...ec, '-keyout', p('srv.key'), '-out', p('srv.csr'), '-subj', '/CN=127.0.0.1'],
    ['x509', '-req', '-in', p('srv.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('srv.crt'), '-days', '1', '-extfile', p('san.cnf')],
  ];
  writeFileSync(p('san.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  for (const args of steps) {
    const r = await run('openssl', args);
    if (r.code !== 0) throw new Error(`openssl ${args[0]}: ${r.stderr}`);
  }
  return { ca: p('ca.crt'), cert: p('srv.crt'), key: p('srv.key') };
}

export interface TokenServer {
  realm: string;
  /** the scopes asked for, one entry per token request (`repository:a:pull,push`), with the user */
  readonly requests: Array<{ account: string; scopes: string[] }>;
  close(): Promise<void>;
}

/**
 * A token server as Docker Hub's: GET /token?service=&scope=… with Basic credentials (or none) answers
 * `{"token": JWT}`, ES256-signed with `key`, the signing certificate in the x5c header (what the
 * distribution server checks against its rootcertbundle). Known users get what they ask; others nothing.
 */
export async function startTokenServer(o: { cert: string; key: string; issuer: string; service: string; users: Record<string, string> }): Promise<TokenServer> {
  const { createServer: createHttpServer } = await import('node:http');
  const { createPrivateKey, sign, randomBytes } = await import('node:crypto');
  const key = createPrivateKey(readFileSync(o.key));
  const der = readFileSync(o.cert, 'utf8').replace(/-----[^-]+-----|\s/g, '');
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const requests: TokenServer['requests'] = [];
  const server = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [user, ...pw] = basic ? Buffer.from(basic, 'base64').toString().split(':') : [''];
    if (basic && o.users[user] !== pw.join(':')) {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ details: 'incorrect username or password' }));
      return;
    }
    const scopes = url.searchParams.getAll('scope');
    requests.push({ account: user, scopes });
    const access = user ? scopes.map((sc) => { const [type, name, actions] = sc.split(':'); return { type, name, actions: actions.split(',') }; }) : [];
    const now = Math.floor(Date.now() / 1000);
    const head = b64({ typ: 'JWT', alg: 'ES256', x5c: [der] });
    const claims = b64({ iss: o.issuer, sub: user, aud: o.service, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access });
    const sig = sign('sha256', Buffer.from(`${head}.${claims}`), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ token: `${head}.${claims}.${sig}`, expires_in: 300 }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const realm = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  return { realm, requests, close: () => new Promise<void>((r) => server.close(() => r())) };
}
