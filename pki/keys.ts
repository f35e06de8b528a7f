// Key pairs for certificates: generated and held as WebCrypto keys (what @peculiar/x509 signs
// with), written and read as PEM. New keys are ECDSA P-256, as kubeadm's
// `--encryption-algorithm ECDSA-P256`: fast to make and to handshake with. Keys read from files
// may also be RSA (a CA someone brings from kubeadm or openssl).
import { createPrivateKey, createPublicKey, KeyObject, webcrypto } from 'node:crypto';

export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const RSA_PKCS1 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

/** The signature algorithm (and import parameters) that go with a key. */
export function signingAlgorithm(key: CryptoKey): typeof ECDSA_P256 | typeof RSA_PKCS1 | { name: 'ECDSA'; namedCurve: string; hash: 'SHA-256' } {
  const alg = key.algorithm as { name: string; namedCurve?: string };
  if (alg.name === 'ECDSA') return { name: 'ECDSA', namedCurve: alg.namedCurve ?? 'P-256', hash: 'SHA-256' };
  if (alg.name === 'RSASSA-PKCS1-v1_5') return RSA_PKCS1;
  throw new Error(`unsupported key algorithm ${alg.name}`);
}

export async function generateKeyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
}

/** PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"), which Go (kubectl) and OpenSSL (node:tls) both read. */
export async function privateKeyToPem(key: CryptoKey): Promise<string> {
  return KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }) as string;
}

/** A private key from PEM (PKCS#8, SEC1 "EC PRIVATE KEY" or PKCS#1 "RSA PRIVATE KEY"), with its public half. */
export async function importPrivateKeyPem(pem: string | Buffer): Promise<CryptoKeyPair> {
  let ko: KeyObject;
  try {
    ko = createPrivateKey(pem);
  } catch (e) {
    throw new Error(`not a PEM private key: ${(e as Error).message}`);
  }
  const params = importParams(ko);
  const pkcs8 = ko.export({ type: 'pkcs8', format: 'der' });
  const spki = createPublicKey(ko).export({ type: 'spki', format: 'der' });
  const privateKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, params, true, ['sign']);
  const publicKey = await webcrypto.subtle.importKey('spki', spki, params, true, ['verify']);
  return { privateKey, publicKey };
}

function importParams(ko: KeyObject): webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams {
  if (ko.asymmetricKeyType === 'ec') {
    const curve = ko.asymmetricKeyDetails?.namedCurve;
    const named = curve === 'prime256v1' ? 'P-256' : curve === 'secp384r1' ? 'P-384' : curve === 'secp521r1' ? 'P-521' : undefined;
    if (!named) throw new Error(`unsupported EC curve ${curve}`);
    return { name: 'ECDSA', namedCurve: named };
  }
  if (ko.asymmetricKeyType === 'rsa') return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  throw new Error(`unsupported private key type ${ko.asymmetricKeyType} (want EC or RSA)`);
}
