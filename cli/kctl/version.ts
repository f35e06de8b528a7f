// kctl's own version, shown by `kctl version` and sent in its User-Agent.
export const KCTL_VERSION = '0.1.0';
