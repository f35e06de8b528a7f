// Encryption at rest for a local cluster: on first start `skiff up` writes
// <data-dir>/pki/encryption-config.yaml (0600) — Kubernetes' EncryptionConfiguration with a
// fresh 32-byte aesgcm key for secrets, then identity so Secrets written before the file
// existed still read (and are encrypted when next written) — and passes it to every API server
// (--encryption-provider-config). An existing file is the user's: it is never rewritten, so a
// rotated key (a new one listed first) survives restarts.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const ENCRYPTION_CONFIG_FILE = 'encryption-config.yaml';

export function encryptionConfigPath(pkiDir: string): string {
  return path.join(pkiDir, ENCRYPTION_CONFIG_FILE);
}

/** The config `skiff up` starts a cluster with: secrets under one aesgcm key, identity to read older data. */
export function newEncryptionConfig(keyName: string, key: Buffer): string {
  return `# Written by skiff up: how the API servers encrypt Secrets at rest. Rotate by listing a new
# key first, restarting, then rewriting every Secret (see the README, "Encryption at rest").
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources:
      - secrets
    providers:
      - aesgcm:
          keys:
            - name: ${keyName}
              secret: ${key.toString('base64')}
      - identity: {}
`;
}

/** Write the config unless it exists; true when it was made now. */
export function ensureEncryptionConfig(pkiDir: string): boolean {
  fs.mkdirSync(pkiDir, { recursive: true, mode: 0o700 });
  const keyName = `key-${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`;
  try {
    fs.writeFileSync(encryptionConfigPath(pkiDir), newEncryptionConfig(keyName, crypto.randomBytes(32)), { mode: 0o600, flag: 'wx' });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}
