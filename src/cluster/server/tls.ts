// The control plane's TLS: a CA made at first start (like k3s), and a serving certificate it signs for every
// name a client may use (127.0.0.1, localhost, this host, the `kubernetes` Service's names and ClusterIP).
// Files under <root>/tls/, written atomically; the serving cert is re-issued when its names change.
import { webcrypto, X509Certificate as NodeX509 } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
// @peculiar/x509's dependency injection (tsyringe) needs the Reflect metadata polyfill loaded first
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { readFileIfExists, writeFileAtomic } from '../../lib/atomic.ts';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const day = 24 * 3600 * 1000;

export interface ServingTls {
  ca: string; // PEM
  cert: string; // PEM
  key: string; // PEM (PKCS#8)
}


async function keyToPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key as webcrypto.CryptoKey));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
}

async function importKey(pem: string): Promise<CryptoKey> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return (await webcrypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign'])) as unknown as CryptoKey;
}

const newKeys = async () => (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as unknown as { publicKey: CryptoKey; privateKey: CryptoKey };

/** The cluster CA under <dir> (ca.crt, ca.key), made at first use */
export async function ensureClusterCa(dir: string): Promise<{ certPem: string; keyPem: string }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return ensureCa(dir);
}

async function ensureCa(dir: string): Promise<{ certPem: string; keyPem: string }> {
  const certPath = join(dir, 'ca.crt');
  const keyPath = join(dir, 'ca.key');
  const [certPem, keyPem] = await Promise.all([readFileIfExists(certPath), readFileIfExists(keyPath)]);
  if (certPem && keyPem) return { certPem, keyPem };
  const keys = await newKeys();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=skiff-server-ca@${Math.floor(now / 1000)}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 3650 * day),
    signingAlgorithm: alg,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const out = { certPem: cert.toString('pem') + '\n', keyPem: await keyToPem(keys.privateKey) };
  // key first: a crash between the two leaves no CA cert without its key
  await writeFileAtomic(keyPath, out.keyPem, { mode: 0o600 });
  await writeFileAtomic(certPath, out.certPem, { mode: 0o644 });
  return out;
}

/** Names the serving cert must cover. */
export function servingNames(extra: string[] = []): { dns: string[]; ips: string[] } {
  const dns = new Set(['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', hostname()]);
  const ips = new Set(['127.0.0.1', '::1']);
  for (const n of extra) (/^[\d.]+$|:/.test(n) ? ips : dns).add(n);
  return { dns: [...dns].sort(), ips: [...ips].sort() };
}

function coversAll(certPem: string, names: { dns: string[]; ips: string[] }): boolean {
  const c = new NodeX509(certPem);
  if (Date.parse(c.validTo) < Date.now() + 30 * day) return false;
  const san = c.subjectAltName ?? '';
  return names.dns.every((d) => san.includes(`DNS:${d}`)) && names.ips.every((ip) => san.includes(`IP Address:${ip === '::1' ? '0:0:0:0:0:0:0:1' : ip}`) || san.includes(`IP Address:${ip}`));
}

/** The CA plus a serving certificate for `names`, made or reused from <dir>. */
export async function ensureServingTls(dir: string, extraNames: string[] = []): Promise<ServingTls> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ca = await ensureCa(dir);
  const names = servingNames(extraNames);
  const certPath = join(dir, 'serving.crt');
  const keyPath = join(dir, 'serving.key');
  const [certPem, keyPem] = await Promise.all([readFileIfExists(certPath), readFileIfExists(keyPath)]);
  if (certPem && keyPem && coversAll(certPem, names)) return { ca: ca.certPem, cert: certPem, key: keyPem };

  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importKey(ca.keyPem);
  const keys = await newKeys();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    subject: 'CN=kube-apiserver',
    issuer: caCert.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 365 * day),
    signingAlgorithm: alg,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([...names.dns.map((value) => ({ type: 'dns' as const, value })), ...names.ips.map((value) => ({ type: 'ip' as const, value }))]),
      await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
    ],
  });
  const out = { ca: ca.certPem, cert: cert.toString('pem') + '\n', key: await keyToPem(keys.privateKey) };
  await writeFileAtomic(keyPath, out.key, { mode: 0o600 });
  await writeFileAtomic(certPath, out.cert, { mode: 0o644 });
  return out;
}

/** The API server's client certificate for the kubelets (CN kube-apiserver-kubelet-client, O system:masters,
 *  clientAuth), signed by the cluster CA the kubelets trust; made once under <dir>. */
export async function ensureKubeletClientTls(dir: string): Promise<{ cert: string; key: string }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const certPath = join(dir, 'kubelet-client.crt');
  const keyPath = join(dir, 'kubelet-client.key');
  const [certPem, keyPem] = await Promise.all([readFileIfExists(certPath), readFileIfExists(keyPath)]);
  if (certPem && keyPem && Date.parse(new NodeX509(certPem).validTo) > Date.now() + 30 * day) return { cert: certPem, key: keyPem };
  const ca = await ensureCa(dir);
  const caCert = new x509.X509Certificate(ca.certPem);
  const keys = await newKeys();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    subject: 'CN=kube-apiserver-kubelet-client, O=system:masters',
    issuer: caCert.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 365 * day),
    signingAlgorithm: alg,
    publicKey: keys.publicKey,
    signingKey: await importKey(ca.keyPem),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
    ],
  });
  const out = { cert: cert.toString('pem') + '\n', key: await keyToPem(keys.privateKey) };
  await writeFileAtomic(keyPath, out.key, { mode: 0o600 });
  await writeFileAtomic(certPath, out.cert, { mode: 0o644 });
  return out;
}

/** A self-signed serving certificate, in memory (a kubelet's, when it is given none) */
export async function selfSignedServingTls(commonName: string, names: string[]): Promise<{ cert: string; key: string }> {
  const keys = await newKeys();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${commonName}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 365 * day),
    signingAlgorithm: alg,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names.map((value) => ({ type: /^[\d.]+$|:/.test(value) ? 'ip' as const : 'dns' as const, value }))),
    ],
  });
  return { cert: cert.toString('pem') + '\n', key: await keyToPem(keys.privateKey) };
}
