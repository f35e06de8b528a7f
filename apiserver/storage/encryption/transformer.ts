// The transformer of one resource, as kube-apiserver's prefix transformer: writes go through
// the first provider's first key; a read picks the key by the value's prefix, so every key
// still listed decrypts (rotation: list a new key first, restart, rewrite). `identity`
// listed first writes plaintext; listed anywhere, it reads values that carry no prefix.
import { ENCRYPTED_VALUE_PREFIX } from '../value-bytes.js';
import type { KeyTransformer } from './providers.js';

export type ProviderEntry = { provider: 'identity' } | KeyTransformer;

export interface ReadResult {
  value: string;
  /** Not written by the first provider's first key: a rewrite would re-encrypt it (Kubernetes' "stale"). */
  stale: boolean;
}

export class ValueTransformer {
  private readonly keys: KeyTransformer[];
  private readonly identity: boolean;

  /** `entries` in the config's order: each key of a provider, then the next provider. */
  constructor(private readonly entries: readonly ProviderEntry[]) {
    if (entries.length === 0) throw new Error('a transformer needs at least one provider');
    this.keys = entries.filter((e): e is KeyTransformer => e.provider !== 'identity');
    this.identity = entries.some((e) => e.provider === 'identity');
  }

  /** Which provider and key writes: `identity` or e.g. `aesgcm:key1`. */
  get writer(): string {
    const first = this.entries[0]!;
    return first.provider === 'identity' ? 'identity' : `${first.provider}:${first.keyName}`;
  }

  /** The stored value for `plaintext` written at storage key `key` (the authenticated data). */
  write(plaintext: string, key: string): string {
    const first = this.entries[0]!;
    if (first.provider === 'identity') return plaintext;
    const sealed = first.seal(Buffer.from(plaintext, 'utf8'), key);
    return first.prefix + sealed.toString('latin1');
  }

  /** The plaintext of a stored value; throws, naming the provider and key, when no listed key opens it. */
  read(stored: string, key: string): ReadResult {
    if (!stored.startsWith(ENCRYPTED_VALUE_PREFIX)) {
      if (!this.identity) throw new Error('no matching prefix found: the value is not encrypted and the identity provider is not listed');
      return { value: stored, stale: this.entries[0]!.provider !== 'identity' };
    }
    const t = this.keys.find((k) => stored.startsWith(k.prefix));
    if (!t) throw new Error(`no matching prefix found: the value was written with ${describePrefix(stored)}, which is not in the encryption configuration`);
    let plaintext: Buffer;
    try {
      plaintext = t.open(Buffer.from(stored.slice(t.prefix.length), 'latin1'), key);
    } catch (e) {
      throw new Error(`${t.provider} key "${t.keyName}": ${(e as Error).message}`);
    }
    return { value: plaintext.toString('utf8'), stale: t !== this.entries[0] };
  }
}

/** `provider aesgcm, key "old"` from `k8s:enc:aesgcm:v1:old:...` (as far as it parses). */
function describePrefix(stored: string): string {
  const parts = stored.slice(ENCRYPTED_VALUE_PREFIX.length).split(':', 3);
  if (parts.length < 3) return 'an unrecognised k8s:enc: prefix';
  return `provider ${parts[0]} (${parts[1]}), key "${parts[2]}"`;
}
