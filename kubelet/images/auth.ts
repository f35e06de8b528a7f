// Registry credentials and the auth challenge (pure).
//   WWW-Authenticate: Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/redis:pull"
//   WWW-Authenticate: Basic realm="Registry Realm"
// Credentials come from a `.dockerconfigjson` ({"auths": {"host:port": {"auth": base64(user:pass)}}}),
// the format of `kubernetes.io/dockerconfigjson` Secrets and of ~/.docker/config.json.

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

export interface Credential {
  username: string;
  password: string;
}

/** Parse one or more challenges; quoted values may hold commas. Unknown schemes are kept. */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  let i = 0;
  const s = header;
  const skipWs = () => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  };
  while (i < s.length) {
    skipWs();
    while (s[i] === ',') {
      i++;
      skipWs();
    }
    const m = /^[A-Za-z][\w-]*/.exec(s.slice(i));
    if (!m) break;
    const ch: Challenge = { scheme: m[0].toLowerCase(), params: {} };
    i += m[0].length;
    out.push(ch);
    for (;;) {
      skipWs();
      const km = /^([A-Za-z][\w-]*)\s*=\s*/.exec(s.slice(i));
      if (!km) break;
      i += km[0].length;
      let value = '';
      if (s[i] === '"') {
        i++;
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\' && i + 1 < s.length) i++;
          value += s[i++];
        }
        i++;
      } else {
        const vm = /^[^,\s]*/.exec(s.slice(i))!;
        value = vm[0];
        i += value.length;
      }
      ch.params[km[1]!.toLowerCase()] = value;
      skipWs();
      if (s[i] === ',') {
        // A comma either separates parameters or starts the next challenge ("…", Basic realm=…).
        const look = /^,\s*([A-Za-z][\w-]*)(\s*=)?/.exec(s.slice(i));
        if (look && !look[2]) break;
        i++;
      } else break;
    }
  }
  return out;
}

/** The registry keys a docker config may use for one registry (Docker Hub has several spellings). */
function registryKeys(registry: string): string[] {
  if (registry === 'docker.io') return ['docker.io', 'index.docker.io', 'https://index.docker.io/v1/', 'registry-1.docker.io'];
  return [registry];
}

/** Host[:port] of a config key written as "https://host:port/v1/" or "host:port". */
function keyHost(key: string): string {
  return key.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');
}

/**
 * Credentials for `registry` from docker config JSON documents, first match wins (the
 * Kubernetes kubelet tries every matching one in turn; the first is what a pull uses first).
 */
export function credentialsFor(registry: string, configs: unknown[]): Credential[] {
  const out: Credential[] = [];
  const wanted = new Set(registryKeys(registry).map(keyHost));
  for (const cfg of configs) {
    const auths = (cfg as { auths?: Record<string, unknown> } | null)?.auths ?? (cfg as Record<string, unknown> | null);
    if (!auths || typeof auths !== 'object') continue;
    for (const [key, v] of Object.entries(auths)) {
      if (!wanted.has(keyHost(key)) || !v || typeof v !== 'object') continue;
      const e = v as { auth?: string; username?: string; password?: string };
      if (e.username !== undefined && e.password !== undefined) out.push({ username: e.username, password: e.password });
      else if (typeof e.auth === 'string') {
        const plain = Buffer.from(e.auth, 'base64').toString('utf8');
        const colon = plain.indexOf(':');
        if (colon > 0) out.push({ username: plain.slice(0, colon), password: plain.slice(colon + 1) });
      }
    }
  }
  return out;
}

export function basicAuthorization(c: Credential): string {
  return 'Basic ' + Buffer.from(`${c.username}:${c.password}`).toString('base64');
}
