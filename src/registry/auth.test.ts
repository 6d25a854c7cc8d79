// Basic auth from an htpasswd file, anonymous read, and the bearer-token flow (challenge → token endpoint
// → scoped, expiring token; a token for another repository is denied).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import { startRegistry, type RunningRegistry } from './index.ts';
import { signToken, TOKEN_ISSUER } from './token.ts';
import { loadTokenKey } from './token.ts';

let root: string;
let htpasswd: string;
const basic = (user: string, password: string) => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');

before(() => {
  root = mkdtempSync('/tmp/skiff-registry-auth-');
  htpasswd = `${root}/htpasswd`;
  // htpasswd -B writes $2y$: both spellings are read
  writeFileSync(htpasswd, `alice:${bcrypt.hashSync('wonderland', 5).replace(/^\$2b\$/, '$2y$')}\nbob:${bcrypt.hashSync('builder', 4)}\n`);
});
after(() => rm(root, { recursive: true, force: true }));

async function code(res: Response): Promise<string> {
  return ((await res.json()) as { errors: { code: string }[] }).errors[0].code;
}

describe('registry auth: basic', () => {
  let reg: RunningRegistry;
  before(async () => (reg = await startRegistry({ root: `${root}/basic`, addr: '127.0.0.1:0', htpasswd })));
  after(() => reg.close());

  it('challenges without credentials and with wrong ones', async () => {
    for (const headers of [{}, { Authorization: basic('alice', 'wrong') }, { Authorization: basic('carol', 'x') }]) {
      const res = await fetch(`${reg.url}/v2/`, { headers });
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('www-authenticate'), 'Basic realm="skiff-registry"');
      assert.equal(await code(res), 'UNAUTHORIZED');
    }
  });

  it('lets users of the file in', async () => {
    assert.equal((await fetch(`${reg.url}/v2/`, { headers: { Authorization: basic('alice', 'wonderland') } })).status, 200);
    assert.equal((await fetch(`${reg.url}/v2/_catalog`, { headers: { Authorization: basic('bob', 'builder') } })).status, 200);
  });
});

describe('registry auth: anonymous read', () => {
  let reg: RunningRegistry;
  before(async () => (reg = await startRegistry({ root: `${root}/anon`, addr: '127.0.0.1:0', htpasswd, anonymousRead: true })));
  after(() => reg.close());

  it('reads without credentials but does not write', async () => {
    assert.equal((await fetch(`${reg.url}/v2/x/tags/list`)).status, 404); // NAME_UNKNOWN, past the gate
    const post = await fetch(`${reg.url}/v2/x/blobs/uploads/`, { method: 'POST' });
    assert.equal(post.status, 401);
    const ok = await fetch(`${reg.url}/v2/x/blobs/uploads/`, { method: 'POST', headers: { Authorization: basic('bob', 'builder') } });
    assert.equal(ok.status, 202);
  });
});

describe('registry auth: bearer tokens', () => {
  let reg: RunningRegistry;
  before(async () => (reg = await startRegistry({ root: `${root}/token`, addr: '127.0.0.1:0', htpasswd, tokenRealm: '/token', tokenService: 'test-registry' })));
  after(() => reg.close());

  async function token(scope: string, auth?: string): Promise<string> {
    const res = await fetch(`${reg.url}/token?service=test-registry&scope=${encodeURIComponent(scope)}`, { headers: auth ? { Authorization: auth } : {} });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { token: string; access_token: string; expires_in: number };
    assert.equal(body.token, body.access_token);
    assert.equal(body.expires_in, 300);
    return body.token;
  }

  it('challenges with the realm, service and scope the request needs', async () => {
    const res = await fetch(`${reg.url}/v2/team/app/blobs/uploads/`, { method: 'POST' });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), `Bearer realm="${reg.url}/token",service="test-registry",scope="repository:team/app:pull,push"`);
    assert.equal((await fetch(`${reg.url}/v2/`)).headers.get('www-authenticate'), `Bearer realm="${reg.url}/token",service="test-registry"`);
  });

  it('issues scoped tokens to users and refuses bad credentials', async () => {
    const bad = await fetch(`${reg.url}/token?service=test-registry&scope=repository:team/app:pull`, { headers: { Authorization: basic('alice', 'nope') } });
    assert.equal(bad.status, 401);
    const t = await token('repository:team/app:pull,push', basic('alice', 'wonderland'));
    const res = await fetch(`${reg.url}/v2/team/app/blobs/uploads/`, { method: 'POST', headers: { Authorization: `Bearer ${t}` } });
    assert.equal(res.status, 202);
    assert.equal((await fetch(`${reg.url}/v2/`, { headers: { Authorization: `Bearer ${t}` } })).status, 200);
  });

  it('denies a token made for another repository, and asks for more scope when an action is missing', async () => {
    const t = await token('repository:team/app:pull,push', basic('alice', 'wonderland'));
    const other = await fetch(`${reg.url}/v2/team/other/tags/list`, { headers: { Authorization: `Bearer ${t}` } });
    assert.equal(other.status, 403);
    assert.equal(await code(other), 'DENIED');
    const pullOnly = await token('repository:team/app:pull', basic('bob', 'builder'));
    const push = await fetch(`${reg.url}/v2/team/app/blobs/uploads/`, { method: 'POST', headers: { Authorization: `Bearer ${pullOnly}` } });
    assert.equal(push.status, 401);
    assert.match(push.headers.get('www-authenticate')!, /scope="repository:team\/app:pull,push",error="insufficient_scope"$/);
  });

  it('gives anonymous callers nothing (no anonymous read here) and refuses forged or expired tokens', async () => {
    const anon = await token('repository:team/app:pull');
    const res = await fetch(`${reg.url}/v2/team/app/tags/list`, { headers: { Authorization: `Bearer ${anon}` } });
    assert.equal(res.status, 401);
    const t = await token('repository:team/app:pull', basic('alice', 'wonderland'));
    const [h, p] = t.split('.');
    const forged = `${h}.${p}.${Buffer.from('not the signature').toString('base64url')}`;
    const f = await fetch(`${reg.url}/v2/team/app/tags/list`, { headers: { Authorization: `Bearer ${forged}` } });
    assert.equal(f.status, 401);
    assert.match(f.headers.get('www-authenticate')!, /error="invalid_token"/);
    const key = await loadTokenKey(`${root}/token`);
    const now = Math.floor(Date.now() / 1000);
    const expired = signToken(key, { iss: TOKEN_ISSUER, sub: 'alice', aud: 'test-registry', exp: now - 1, nbf: now - 600, iat: now - 600, jti: 'x', access: [{ type: 'repository', name: 'team/app', actions: ['pull'] }] });
    assert.equal((await fetch(`${reg.url}/v2/team/app/tags/list`, { headers: { Authorization: `Bearer ${expired}` } })).status, 401);
  });
});
