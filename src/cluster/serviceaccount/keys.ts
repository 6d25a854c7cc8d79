// The ServiceAccount token signing key, as kube-apiserver's --service-account-key-file /
// --service-account-signing-key-file: an RSA key made at the server's first start in
// <root>/tls/service-account.key (0600), its public half in service-account.pub.
import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readFileIfExists, writeFileAtomic } from '../../lib/atomic.ts';
import { keyIdOf } from './jwt.ts';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** the JWT header's kid */
  kid: string;
}

const makeKeyPair = promisify(generateKeyPair);


/** the signing key in tlsDir, made (RSA 2048) when there is none */
export async function ensureServiceAccountKey(tlsDir: string): Promise<SigningKey> {
  const keyPath = join(tlsDir, 'service-account.key');
  let pem = await readFileIfExists(keyPath);
  if (!pem) {
    const { privateKey } = await makeKeyPair('rsa', { modulusLength: 2048 });
    pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await writeFileAtomic(keyPath, pem, { mode: 0o600 });
  }
  const privateKey = createPrivateKey(pem);
  const publicKey = createPublicKey(privateKey);
  const pubPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  // the public half for whoever verifies tokens elsewhere; rewritten when it does not match the key
  if ((await readFileIfExists(join(tlsDir, 'service-account.pub'))) !== pubPem) await writeFileAtomic(join(tlsDir, 'service-account.pub'), pubPem, { mode: 0o644 });
  return { privateKey, publicKey, kid: keyIdOf(publicKey) };
}
