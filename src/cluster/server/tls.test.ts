import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:https';
import { request } from 'node:https';
import { join } from 'node:path';
import { ensureServingTls } from './tls.ts';
import { loadTokens } from './tokens.ts';
import { bearerToken } from './authn.ts';
import { adminKubeconfig } from './kubeconfig.ts';

const dir = mkdtempSync('/var/tmp/skiff-tls-test-');
after(() => rm(dir, { recursive: true, force: true }));

describe('server TLS and tokens', () => {
  it('makes a CA and a serving cert it signed, for the API server names, with private keys 0600', async () => {
    const t = await ensureServingTls(join(dir, 'tls'), ['10.43.0.1']);
    const ca = new X509Certificate(t.ca);
    const cert = new X509Certificate(t.cert);
    assert.ok(ca.ca);
    assert.ok(cert.verify(ca.publicKey));
    assert.ok(cert.checkIssued(ca));
    for (const n of ['DNS:localhost', 'DNS:kubernetes.default.svc', 'IP Address:127.0.0.1', 'IP Address:10.43.0.1']) assert.ok(cert.subjectAltName?.includes(n), n);
    assert.equal(statSync(join(dir, 'tls', 'ca.key')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'tls', 'serving.key')).mode & 0o777, 0o600);
  });

  it('reuses the CA and cert on the next start, and re-issues the cert (same CA) for new names', async () => {
    const a = await ensureServingTls(join(dir, 'tls'), ['10.43.0.1']);
    const b = await ensureServingTls(join(dir, 'tls'), ['10.43.0.1']);
    assert.equal(a.cert, b.cert);
    const c = await ensureServingTls(join(dir, 'tls'), ['10.43.0.1', 'api.example']);
    assert.equal(c.ca, a.ca);
    assert.notEqual(c.cert, a.cert);
    assert.ok(new X509Certificate(c.cert).subjectAltName?.includes('DNS:api.example'));
  });

  it('serves HTTPS that a client trusting only the CA accepts, and checks bearer tokens', async () => {
    const t = await ensureServingTls(join(dir, 'tls'));
    const tokens = await loadTokens(join(dir, 'tokens'));
    assert.equal((await loadTokens(join(dir, 'tokens'))).adminToken, tokens.adminToken, 'the admin token is stable across starts');
    const srv = createServer({ key: t.key, cert: t.cert }, (req, res) => {
      const token = bearerToken(req);
      const user = token === undefined ? undefined : tokens.authenticateToken(token);
      res.writeHead(user ? 200 : 401).end(user?.name ?? 'Unauthorized');
    });
    await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok));
    const port = (srv.address() as { port: number }).port;
    const get = (token: string) =>
      new Promise<{ code: number; body: string }>((ok, fail) => {
        request({ host: '127.0.0.1', port, path: '/', ca: t.ca, servername: 'localhost', headers: { authorization: `Bearer ${token}` } }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => ok({ code: res.statusCode ?? 0, body }));
        }).on('error', fail).end();
      });
    try {
      assert.deepEqual(await get(tokens.adminToken), { code: 200, body: 'admin' });
      assert.equal((await get('wrong')).code, 401);
      assert.equal((await get(tokens.adminToken + 'x')).code, 401);
    } finally {
      srv.close();
    }
    assert.match(adminKubeconfig({ server: `https://127.0.0.1:${port}`, caPem: t.ca, token: tokens.adminToken }), /current-context: skiff/);
  });
});
