// CertificateSigningRequests end to end (issue 14, misc), with the real kubectl v1.32 and openssl against a
// real `skiff server`: a CSR for kubernetes.io/kube-apiserver-client is Pending, `kubectl certificate approve`
// gets it signed by the cluster CA (status.certificate), and the certificate logs in — the server names the
// user by its CN and groups by its O (kubectl auth whoami); deny, a usage a client certificate
// cannot have (Failed), system:masters (refused at admission) and a certificate of another CA (401).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { KUBECTL, startControlPlane } from './cluster-harness.ts';
import { run, waitFor } from './harness.ts';

async function openssl(args: string[]): Promise<string> {
  const r = await run('openssl', args);
  if (r.code !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** an EC key and a CSR for `subject` in dir; the CSR base64 (spec.request) */
async function makeCsr(dir: string, name: string, subject: string): Promise<string> {
  await openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.csr`), '-subj', subject]);
  return readFileSync(join(dir, `${name}.csr`)).toString('base64');
}

const csrYaml = (name: string, request: string, usages = ['client auth'], expirationSeconds = 3600) => `
apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata: { name: ${name} }
spec:
  request: ${request}
  signerName: kubernetes.io/kube-apiserver-client
  expirationSeconds: ${expirationSeconds}
  usages: [${usages.map((u) => `"${u}"`).join(', ')}]
`;

test('CSRs: approve → issued by the cluster CA → the certificate authenticates as CN/O; deny, Failed, system:masters, foreign CA', { timeout: 180_000 }, async (t) => {
  const cp = await startControlPlane();
  const dir = mkdtempSync('/var/tmp/skiff-csr-test-');
  try {
    const alice = await makeCsr(dir, 'alice', '/CN=alice/O=devs/O=ops');
    let r = await cp.kubectl(['create', '-f', '-'], { input: csrYaml('alice', alice) });
    assert.equal(r.code, 0, r.stderr);
    r = await cp.kubectl(['get', 'csr', 'alice']);
    assert.match(r.stdout, /^NAME\s+AGE\s+SIGNERNAME\s+REQUESTOR\s+REQUESTEDDURATION\s+CONDITION\n/);
    assert.match(r.stdout, /alice\s+\S+\s+kubernetes.io\/kube-apiserver-client\s+admin\s+60m\s+Pending/);

    r = await cp.kubectl(['certificate', 'approve', 'alice']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'certificatesigningrequest.certificates.k8s.io/alice approved');
    const issued = await waitFor('the certificate', async () => (await cp.kjson(['get', 'csr', 'alice'])).status?.certificate, 30_000, 200);
    const approved = (await cp.kjson(['get', 'csr', 'alice'])).status.conditions[0];
    assert.deepEqual([approved.type, approved.status, approved.reason], ['Approved', 'True', 'KubectlApprove']);
    assert.match((await cp.kubectl(['get', 'csr', 'alice'])).stdout, /Approved,Issued/);
    writeFileSync(join(dir, 'alice.crt'), Buffer.from(issued, 'base64'));
    const ca = join(cp.root, 'tls', 'ca.crt');
    assert.match(await openssl(['verify', '-CAfile', ca, join(dir, 'alice.crt')]), /OK/);
    const info = await openssl(['x509', '-in', join(dir, 'alice.crt'), '-noout', '-subject', '-startdate', '-enddate', '-ext', 'extendedKeyUsage']);
    assert.match(info, /subject=CN\s*=\s*alice, O\s*=\s*devs, O\s*=\s*ops/);
    assert.match(info, /TLS Web Client Authentication/);
    const start = Date.parse(/notBefore=(.*)/.exec(info)![1]);
    const end = Date.parse(/notAfter=(.*)/.exec(info)![1]);
    t.diagnostic(`issued for ${((end - Date.now()) / 60_000).toFixed(1)} min (asked 60), from ${((Date.now() - start) / 60_000).toFixed(1)} min ago`);
    assert.ok(Math.abs(end - Date.now() - 3600_000) < 120_000, info);

    // the certificate logs in: the server names alice and her groups (SelfSubjectReview, kubectl auth whoami)
    const kc = join(dir, 'alice.kubeconfig');
    const kubectlAs = (args: string[], input?: string) => run(KUBECTL, ['--kubeconfig', kc, ...args], { input, timeoutMs: 30_000 });
    for (const args of [
      ['config', 'set-cluster', 'c', `--server=https://127.0.0.1:${cp.port}`, `--certificate-authority=${ca}`],
      ['config', 'set-credentials', 'alice', `--client-certificate=${join(dir, 'alice.crt')}`, `--client-key=${join(dir, 'alice.key')}`],
      ['config', 'set-context', 'c', '--cluster=c', '--user=alice'], ['config', 'use-context', 'c'],
    ]) assert.equal((await kubectlAs(args)).code, 0);
    r = await kubectlAs(['auth', 'whoami', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const who = JSON.parse(r.stdout).status.userInfo;
    assert.equal(who.username, 'alice');
    assert.deepEqual(who.groups, ['devs', 'ops', 'system:authenticated']);
    // and RBAC holds her to what she is bound to (nothing yet)
    r = await kubectlAs(['get', 'pods']);
    assert.match(r.stderr, /pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"/);

    // a certificate of another CA is nobody
    await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'eve.key'), '-out', join(dir, 'eve.crt'), '-subj', '/CN=eve/O=system:masters', '-days', '1']);
    assert.equal((await kubectlAs(['config', 'set-credentials', 'alice', `--client-certificate=${join(dir, 'eve.crt')}`, `--client-key=${join(dir, 'eve.key')}`])).code, 0);
    r = await kubectlAs(['get', '--raw', '/api']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Unauthorized/);

    // deny: never issued, and kubectl will not approve it afterwards
    assert.equal((await cp.kubectl(['create', '-f', '-'], { input: csrYaml('bob', await makeCsr(dir, 'bob', '/CN=bob')) })).code, 0);
    r = await cp.kubectl(['certificate', 'deny', 'bob']);
    assert.equal(r.stdout.trim(), 'certificatesigningrequest.certificates.k8s.io/bob denied', r.stderr);
    r = await cp.kubectl(['certificate', 'approve', 'bob']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /certificate signing request "bob" is already Denied/);

    // a usage no client certificate has: approved, then Failed by the signer
    assert.equal((await cp.kubectl(['create', '-f', '-'], { input: csrYaml('srv', await makeCsr(dir, 'srv', '/CN=srv'), ['server auth']) })).code, 0);
    assert.equal((await cp.kubectl(['certificate', 'approve', 'srv'])).code, 0);
    const failed = await waitFor('the Failed condition', async () => (await cp.kjson(['get', 'csr', 'srv'])).status.conditions.find((c: any) => c.type === 'Failed'), 30_000, 200);
    assert.deepEqual([failed.reason, failed.message], ['SignerValidationFailure', 'invalid usage for client certificate: server auth']);
    assert.match((await cp.kubectl(['get', 'csr', 'srv'])).stdout, /Approved,Failed/);
    assert.equal((await cp.kjson(['get', 'csr', 'bob'])).status.certificate, undefined);

    // refused at the door: system:masters, a duration under 10 minutes
    r = await cp.kubectl(['create', '-f', '-'], { input: csrYaml('root', await makeCsr(dir, 'root', '/CN=root/O=system:masters')) });
    assert.match(r.stderr, /certificatesigningrequests.certificates.k8s.io "root" is forbidden: use of kubernetes.io\/kube-apiserver-client signer with system:masters group is not allowed/);
    r = await cp.kubectl(['create', '-f', '-'], { input: csrYaml('short', alice, ['client auth'], 599) });
    assert.match(r.stderr, /spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 600 seconds \(10 minutes\)/);
  } finally {
    await cp.cleanup();
    await rm(dir, { recursive: true, force: true });
  }
});
