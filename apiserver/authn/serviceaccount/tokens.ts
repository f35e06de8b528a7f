// Signing and verifying ServiceAccount tokens (JWS compact JWTs) with jose: RS256 for RSA
// keys, ES256 for P-256 keys, the key id derived from the public key as Kubernetes derives it
// (base64url of the SHA-256 of its DER), so several API servers sharing the key files issue
// tokens any of them accepts, and a token signed by any other key, with `alg: none`, or with
// a changed payload fails verification.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { compactVerify, decodeProtectedHeader, SignJWT, type JWTPayload } from 'jose';
import type { TokenAuthenticator } from '../authenticator.js';
import type { UserInfo } from '../user.js';
import { validateClaims, type BoundObjectLookups, type ServiceAccountClaims } from './claims.js';

export interface ServiceAccountKeys {
  signingKey: KeyObject;
  /** Keys tokens may be verified with (the signing key's public half first). */
  publicKeys: KeyObject[];
}

/** From --service-account-signing-key-file (private PEM) and --service-account-key-file (public or private PEMs). */
export function serviceAccountKeys(signingKeyPem: string | Buffer, verifyPems: (string | Buffer)[] = []): ServiceAccountKeys {
  const signingKey = createPrivateKey(signingKeyPem);
  const publicKeys = [createPublicKey(signingKey), ...verifyPems.map((p) => createPublicKey(p))];
  return { signingKey, publicKeys };
}

/** A P-256 key made now: for a server started without key files (its tokens die with it). */
export function ephemeralServiceAccountKeys(): ServiceAccountKeys {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { signingKey: privateKey, publicKeys: [createPublicKey(privateKey)] };
}

export function keyId(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
}

function algorithmOf(key: KeyObject): 'RS256' | 'ES256' {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new Error(`unsupported service account key type ${key.asymmetricKeyType} (use RSA or EC P-256)`);
}

export async function signToken(keys: ServiceAccountKeys, claims: ServiceAccountClaims): Promise<string> {
  const publicKey = keys.publicKeys[0]!;
  return new SignJWT(claims as unknown as JWTPayload)
    .setProtectedHeader({ alg: algorithmOf(keys.signingKey), kid: keyId(publicKey) })
    .sign(keys.signingKey);
}

export interface ServiceAccountAuthenticatorOptions {
  keys: ServiceAccountKeys;
  issuer: string;
  audiences: string[];
  lookups: BoundObjectLookups;
  now?: () => number;
}

/**
 * The bearer-token source for ServiceAccount JWTs. A token that is not a JWT of ours is "not
 * mine" (another token source may know it); one of ours that fails any check authenticates
 * nobody.
 */
export class ServiceAccountTokenAuthenticator implements TokenAuthenticator {
  private readonly byKid = new Map<string, { key: KeyObject; alg: string }>();

  constructor(private readonly o: ServiceAccountAuthenticatorOptions) {
    for (const key of o.keys.publicKeys) this.byKid.set(keyId(key), { key, alg: algorithmOf(key) });
  }

  async authenticateToken(token: string): Promise<UserInfo | undefined> {
    if (token.split('.').length !== 3) return undefined;
    let header: { alg?: string; kid?: string };
    try {
      header = decodeProtectedHeader(token);
    } catch {
      return undefined;
    }
    const candidates = header.kid ? [this.byKid.get(header.kid)].filter((k) => k !== undefined) : [...this.byKid.values()];
    for (const { key, alg } of candidates) {
      if (header.alg !== alg) continue;
      let payload: Uint8Array;
      try {
        ({ payload } = await compactVerify(token, key, { algorithms: [alg] }));
      } catch {
        continue;
      }
      let claims: Partial<ServiceAccountClaims>;
      try {
        claims = JSON.parse(new TextDecoder().decode(payload)) as Partial<ServiceAccountClaims>;
      } catch {
        return undefined;
      }
      const r = await validateClaims(claims, {
        issuer: this.o.issuer, audiences: this.o.audiences, nowSeconds: Math.floor((this.o.now?.() ?? Date.now()) / 1000), lookups: this.o.lookups,
      });
      return 'user' in r ? r.user : undefined;
    }
    return undefined;
  }
}
