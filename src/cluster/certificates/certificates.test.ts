import { test } from 'node:test';
import assert from 'node:assert/strict';
import { webcrypto, X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
// @peculiar/x509 needs the Reflect metadata polyfill loaded first
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { ensureClusterCa } from '../server/tls.ts';
import { csrSignatureValid, parseCsrPem, signCertificate } from './index.ts';
import { validateCsr } from '../types/strategies/certificates.ts';
import { csrCondition } from '../apiserver/tables/certificates.ts';

async function csrPem(subject: string): Promise<string> {
  const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']) as unknown as { publicKey: CryptoKey; privateKey: CryptoKey };
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: subject, keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } });
  return csr.toString('pem');
}

test('a CSR is parsed (CN, O), its signature checked, and signed by the CA for the asked time and usages', async () => {
  const dir = await mkdtemp('/var/tmp/skiff-cert-test-');
  try {
    const ca = await ensureClusterCa(dir);
    const parsed = parseCsrPem(await csrPem('CN=alice, O=devs, O=ops'));
    assert.deepEqual([parsed.commonName, parsed.organizations], ['alice', ['devs', 'ops']]);
    assert.equal(await csrSignatureValid(parsed), true);
    const now = new Date();
    const cert = new X509Certificate(await signCertificate(ca, parsed, ['digital signature', 'client auth'], 3600, now));
    assert.ok(cert.verify(new X509Certificate(ca.certPem).publicKey));
    assert.match(cert.subject, /CN=alice/);
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2']);
    assert.equal(Date.parse(cert.validTo), Math.floor(now.getTime() / 1000) * 1000 + 3600_000);
    assert.throws(() => parseCsrPem('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), /PEM block type must be CERTIFICATE REQUEST/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('CSR validation and the CONDITION column, as kube words them', async () => {
  const request = Buffer.from(await csrPem('CN=x')).toString('base64');
  const csr = (spec: object, status?: object) => ({ apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'x' }, spec: { request, signerName: 'example.com/s', usages: ['client auth'], ...spec }, ...(status ? { status } : {}) });
  assert.deepEqual(validateCsr(csr({}) as never), []);
  const msgs = (o: object) => validateCsr(o as never).map((e) => `${e.field}: ${e.type}: ${e.detail ?? ''}`);
  assert.deepEqual(msgs(csr({ signerName: 'nope', usages: ['client auth', 'client auth', 'fly'] })), [
    'spec.usages[1]: FieldValueDuplicate: ',
    'spec.usages[2]: FieldValueNotSupported: ' + `supported values: ${'"any", "cert sign", "client auth", "code signing", "content commitment", "crl sign", "data encipherment", "decipher only", "digital signature", "email protection", "encipher only", "ipsec end system", "ipsec tunnel", "ipsec user", "key agreement", "key encipherment", "microsoft sgc", "netscape sgc", "ocsp signing", "s/mime", "server auth", "signing", "timestamping"'}`,
    "spec.signerName: FieldValueInvalid: must be a fully qualified domain and path of the form 'example.com/signer-name'",
  ]);
  assert.deepEqual(msgs(csr({}, { conditions: [{ type: 'Approved', status: 'True' }, { type: 'Denied', status: 'True' }] })), ['status.conditions: FieldValueInvalid: Approved and Denied conditions are mutually exclusive']);
  assert.equal(csrCondition({ spec: { request, signerName: 's', usages: [] } }), 'Pending');
  assert.equal(csrCondition({ spec: { request, signerName: 's', usages: [] }, status: { conditions: [{ type: 'Approved', status: 'True' }, { type: 'Failed', status: 'True' }], certificate: 'x' } }), 'Approved,Failed,Issued');
});
