// The certificates room: PKCS#10 requests (spec.request of a CertificateSigningRequest) and issuing
// certificates for approved ones with the cluster CA. Used by the CSR strategy, the signing controller and
// the server's client-certificate authentication.
export { parseCsrPem, csrSignatureValid, allUsages, keyUsages, extKeyUsages, type ParsedCsr } from './csr.ts';
export { signCertificate, type SigningCa } from './sign.ts';
