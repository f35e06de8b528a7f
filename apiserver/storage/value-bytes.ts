// Storage values are strings: JSON for plaintext objects, and for values encrypted at rest
// (encryption/) a "binary string", one char per byte, starting with kube-apiserver's
// `k8s:enc:` prefix. A backend that stores bytes (etcd) writes the latter byte for byte, so
// etcd holds exactly what kube-apiserver would write there.
export const ENCRYPTED_VALUE_PREFIX = 'k8s:enc:';

/** How a value is written as bytes: an encrypted one char per byte, any other as UTF-8. */
export function valueEncoding(value: string): 'latin1' | 'utf8' {
  return value.startsWith(ENCRYPTED_VALUE_PREFIX) ? 'latin1' : 'utf8';
}

/** The bytes a backend stores for a value. */
export function valueToBytes(value: string): Buffer {
  return Buffer.from(value, valueEncoding(value));
}

/** The value a backend's stored bytes hold (inverse of valueToBytes). */
export function valueFromBytes(bytes: Buffer): string {
  return bytes.subarray(0, ENCRYPTED_VALUE_PREFIX.length).toString('latin1') === ENCRYPTED_VALUE_PREFIX ? bytes.toString('latin1') : bytes.toString('utf8');
}
