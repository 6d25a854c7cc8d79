// PKCS#10 certificate requests as certificates.k8s.io reads them: the PEM block of a CertificateSigningRequest's
// spec.request, its subject (CN = user name, O = groups for kube-apiserver-client certificates) and a
// signature that must verify. Pure: no knowledge of the API objects.
import { webcrypto } from 'node:crypto';
// @peculiar/x509's dependency injection (tsyringe) needs the Reflect metadata polyfill loaded first
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export interface ParsedCsr {
  request: x509.Pkcs10CertificateRequest;
  commonName: string;
  organizations: string[];
}

/** kube's key usages (certificates/v1 KeyUsage), by what an x509 certificate makes of them */
export const keyUsages: Record<string, number> = {
  'signing': x509.KeyUsageFlags.digitalSignature,
  'digital signature': x509.KeyUsageFlags.digitalSignature,
  'content commitment': x509.KeyUsageFlags.nonRepudiation,
  'key encipherment': x509.KeyUsageFlags.keyEncipherment,
  'key agreement': x509.KeyUsageFlags.keyAgreement,
  'data encipherment': x509.KeyUsageFlags.dataEncipherment,
  'cert sign': x509.KeyUsageFlags.keyCertSign,
  'crl sign': x509.KeyUsageFlags.cRLSign,
  'encipher only': x509.KeyUsageFlags.encipherOnly,
  'decipher only': x509.KeyUsageFlags.decipherOnly,
};
export const extKeyUsages: Record<string, string> = {
  'any': '2.5.29.37.0',
  'server auth': x509.ExtendedKeyUsage.serverAuth,
  'client auth': x509.ExtendedKeyUsage.clientAuth,
  'code signing': x509.ExtendedKeyUsage.codeSigning,
  'email protection': x509.ExtendedKeyUsage.emailProtection,
  's/mime': x509.ExtendedKeyUsage.emailProtection,
  'ipsec end system': '1.3.6.1.5.5.7.3.5',
  'ipsec tunnel': '1.3.6.1.5.5.7.3.6',
  'ipsec user': '1.3.6.1.5.5.7.3.7',
  'timestamping': x509.ExtendedKeyUsage.timeStamping,
  'ocsp signing': x509.ExtendedKeyUsage.ocspSigning,
  'microsoft sgc': '1.3.6.1.4.1.311.10.3.3',
  'netscape sgc': '2.16.840.1.113730.4.1',
};
export const allUsages = [...Object.keys(keyUsages), ...Object.keys(extKeyUsages)];

/** The first PEM block of `pem` and its type, or undefined when there is none */
function firstPemBlock(pem: string): { type: string; der: Buffer } | undefined {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(pem);
  return m ? { type: m[1], der: Buffer.from(m[2].replace(/\s+/g, ''), 'base64') } : undefined;
}

/** Parses spec.request (PEM text); throws an Error worded as kube's ParseCSR does. */
export function parseCsrPem(pem: string): ParsedCsr {
  const block = firstPemBlock(pem);
  if (!block) throw new Error('PEM block type must be CERTIFICATE REQUEST');
  if (block.type !== 'CERTIFICATE REQUEST') throw new Error('PEM block type must be CERTIFICATE REQUEST');
  let request: x509.Pkcs10CertificateRequest;
  try {
    request = new x509.Pkcs10CertificateRequest(block.der);
  } catch (err) {
    throw new Error(`asn1: structure error: ${(err as Error).message}`);
  }
  return { request, commonName: request.subjectName.getField('CN')[0] ?? '', organizations: request.subjectName.getField('O') };
}

/** Does the request's signature verify with its own public key (kube: CheckSignature)? */
export async function csrSignatureValid(csr: ParsedCsr): Promise<boolean> {
  try {
    return await csr.request.verify();
  } catch {
    return false; // an algorithm WebCrypto cannot check is as good as a bad signature here
  }
}
