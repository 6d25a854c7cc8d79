// Issuing a certificate for an approved CertificateSigningRequest with the cluster CA (kube-controller-manager's
// csrsigning controller, the local signer): the request's subject and public key, the asked usages, valid
// from a little before now for the asked duration, capped at the CA's own expiry.
import { webcrypto, randomBytes } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { extKeyUsages, keyUsages, type ParsedCsr } from './csr.ts';

export interface SigningCa {
  certPem: string;
  /** PKCS#8 PEM, ECDSA P-256 (the CA `skiff server` makes) */
  keyPem: string;
}

async function importEcKey(pem: string): Promise<CryptoKey> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return (await webcrypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign'])) as unknown as CryptoKey;
}

/** kube's backdate: a certificate is valid from 5 minutes before it was issued (clock skew) */
const BACKDATE_MS = 5 * 60_000;

export async function signCertificate(ca: SigningCa, csr: ParsedCsr, usages: readonly string[], durationSeconds: number, now: Date): Promise<string> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const notAfter = new Date(Math.min(now.getTime() + durationSeconds * 1000, caCert.notAfter.getTime()));
  let keyUsage = 0;
  const ext: string[] = [];
  for (const u of usages) {
    if (keyUsages[u] !== undefined) keyUsage |= keyUsages[u];
    else if (extKeyUsages[u] !== undefined) ext.push(extKeyUsages[u]);
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomBytes(16).toString('hex').replace(/^[89a-f]/, '1'),
    subject: csr.request.subjectName,
    issuer: caCert.subject,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    publicKey: csr.request.publicKey,
    signingKey: await importEcKey(ca.keyPem),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      ...(keyUsage ? [new x509.KeyUsagesExtension(keyUsage, true)] : []),
      ...(ext.length ? [new x509.ExtendedKeyUsageExtension(ext)] : []),
      await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
    ],
  });
  return `${cert.toString('pem')}\n`;
}
