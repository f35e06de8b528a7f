// The providers of kube-apiserver's encryption at rest, value for value as it writes them to
// etcd (k8s.io/apiserver/pkg/storage/value/encrypt/aes): a value encrypted by a provider is
// `k8s:enc:<provider>:v1:<key name>:` followed by
//   aesgcm: 12-byte random nonce | AES-GCM ciphertext | 16-byte tag, the storage key as
//           additional authenticated data (a value moved to another key does not decrypt);
//   aescbc: 16-byte random IV | AES-256-CBC ciphertext with PKCS#7 padding (unauthenticated,
//           which is why Kubernetes recommends against it);
//   identity: the plaintext itself, no prefix.
// secretbox (XSalsa20-Poly1305) needs a library Node's crypto does not have; see README.md.
import crypto from 'node:crypto';
import { ENCRYPTED_VALUE_PREFIX } from '../value-bytes.js';

export type ProviderName = 'aesgcm' | 'aescbc' | 'secretbox' | 'identity';

/** Key sizes in bytes Kubernetes accepts per provider. */
export const KEY_SIZES: Record<'aesgcm' | 'aescbc' | 'secretbox', readonly number[]> = {
  aesgcm: [16, 24, 32],
  aescbc: [32],
  secretbox: [32],
};

/** One named key of a provider: it seals values under its prefix and opens values carrying it. */
export interface KeyTransformer {
  readonly provider: ProviderName;
  readonly keyName: string;
  /** `k8s:enc:<provider>:v1:<key name>:` (as bytes, latin1 in a stored value). */
  readonly prefix: string;
  seal(plaintext: Buffer, authenticatedData: string): Buffer;
  /** Throws on a value this key did not seal (wrong key, tampered, truncated). */
  open(sealed: Buffer, authenticatedData: string): Buffer;
}

export function keyPrefix(provider: ProviderName, keyName: string): string {
  return `${ENCRYPTED_VALUE_PREFIX}${provider}:v1:${keyName}:`;
}

const GCM_NONCE = 12;
const GCM_TAG = 16;

export function aesgcm(keyName: string, key: Buffer): KeyTransformer {
  const algorithm = `aes-${key.length * 8}-gcm` as crypto.CipherGCMTypes;
  return {
    provider: 'aesgcm',
    keyName,
    prefix: keyPrefix('aesgcm', keyName),
    seal(plaintext, aad) {
      const nonce = crypto.randomBytes(GCM_NONCE);
      const cipher = crypto.createCipheriv(algorithm, key, nonce);
      cipher.setAAD(Buffer.from(aad, 'utf8'));
      return Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    },
    open(sealed, aad) {
      if (sealed.length < GCM_NONCE + GCM_TAG) throw new Error('the stored data was shorter than the required size');
      const decipher = crypto.createDecipheriv(algorithm, key, sealed.subarray(0, GCM_NONCE));
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(sealed.subarray(sealed.length - GCM_TAG));
      try {
        return Buffer.concat([decipher.update(sealed.subarray(GCM_NONCE, sealed.length - GCM_TAG)), decipher.final()]);
      } catch {
        throw new Error('cipher: message authentication failed');
      }
    },
  };
}

const CBC_IV = 16;

export function aescbc(keyName: string, key: Buffer): KeyTransformer {
  const algorithm = `aes-${key.length * 8}-cbc`;
  return {
    provider: 'aescbc',
    keyName,
    prefix: keyPrefix('aescbc', keyName),
    seal(plaintext) {
      const iv = crypto.randomBytes(CBC_IV);
      const cipher = crypto.createCipheriv(algorithm, key, iv); // PKCS#7 padding is Node's default
      return Buffer.concat([iv, cipher.update(plaintext), cipher.final()]);
    },
    open(sealed) {
      if (sealed.length < CBC_IV) throw new Error('the stored data was shorter than the required size');
      if ((sealed.length - CBC_IV) % 16 !== 0) throw new Error('the stored data is not a multiple of the block size');
      const decipher = crypto.createDecipheriv(algorithm, key, sealed.subarray(0, CBC_IV));
      try {
        return Buffer.concat([decipher.update(sealed.subarray(CBC_IV)), decipher.final()]);
      } catch {
        throw new Error('invalid PKCS#7 padding');
      }
    },
  };
}
