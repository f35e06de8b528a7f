// Compose port syntax. Short: `[HOST_IP:][PUBLISHED:]TARGET[/PROTOCOL]`, where PUBLISHED and
// TARGET may be ranges (`9090-9091:8080-8081`); a bare number is a container port. Long:
// `{target, published, host_ip, protocol, mode, name, app_protocol}`. One spec can stand for
// several ports (a range), so both parse to a list.

export interface PortMapping {
  target: number;
  /** The host port; undefined: Compose picks an ephemeral one (we let the server pick a NodePort). */
  published?: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  hostIP?: string;
  name?: string;
  appProtocol?: string;
  mode?: 'host' | 'ingress';
  /** A published range wider than the target range: we use its first port (a warning). */
  publishedRangeNarrowed?: boolean;
}

type Parsed = { ports: PortMapping[] } | { error: string };

function range(s: string): [number, number] | undefined {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) return undefined;
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (lo < 1 || hi > 65535 || hi < lo) return undefined;
  return [lo, hi];
}

function protocolOf(p: string | undefined): PortMapping['protocol'] | undefined {
  const v = (p ?? 'tcp').toLowerCase();
  return v === 'tcp' || v === 'udp' || v === 'sctp' ? v : undefined;
}

export function parsePortSpec(spec: unknown): Parsed {
  if (typeof spec === 'number') spec = String(spec);
  if (typeof spec === 'string') return parseShort(spec);
  if (spec && typeof spec === 'object') {
    const o = spec as { target?: unknown; published?: unknown; protocol?: string; host_ip?: string; name?: string; app_protocol?: string; mode?: 'host' | 'ingress' };
    const target = range(String(o.target ?? ''));
    if (!target || target[0] !== target[1]) return { error: `invalid port mapping: target "${String(o.target)}" must be a port number 1-65535` };
    const protocol = protocolOf(o.protocol);
    if (!protocol) return { error: `invalid port mapping: protocol "${o.protocol}" must be tcp, udp or sctp` };
    let published: number | undefined;
    let narrowed = false;
    if (o.published !== undefined && o.published !== '') {
      const p = range(String(o.published));
      if (!p) return { error: `invalid port mapping: published "${String(o.published)}" must be a port number or range 1-65535` };
      published = p[0];
      narrowed = p[1] !== p[0];
    }
    return {
      ports: [{
        target: target[0], protocol,
        ...(published !== undefined ? { published } : {}),
        ...(o.host_ip ? { hostIP: o.host_ip } : {}),
        ...(o.name ? { name: o.name } : {}),
        ...(o.app_protocol ? { appProtocol: o.app_protocol } : {}),
        ...(o.mode ? { mode: o.mode } : {}),
        ...(narrowed ? { publishedRangeNarrowed: true } : {}),
      }],
    };
  }
  return { error: `invalid port mapping ${JSON.stringify(spec)}: a string like "8080:80", a number, or {target, published}` };
}

function parseShort(spec: string): Parsed {
  const bad = (why: string): Parsed => ({ error: `invalid port mapping "${spec}": ${why}` });
  let rest = spec.trim();
  let protocol: PortMapping['protocol'] = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    const p = protocolOf(rest.slice(slash + 1));
    if (!p) return bad(`protocol "${rest.slice(slash + 1)}" must be tcp, udp or sctp`);
    protocol = p;
    rest = rest.slice(0, slash);
  }
  let hostIP: string | undefined;
  const v6 = /^\[([^\]]+)\]:(.*)$/.exec(rest);
  if (v6) {
    hostIP = v6[1];
    rest = v6[2]!;
  }
  const parts = rest.split(':');
  if (parts.length > 3 || (v6 && parts.length > 2)) return bad('too many colons');
  if (parts.length === 3) hostIP = parts.shift();
  const targetStr = parts.pop()!;
  const publishedStr = parts.pop();
  const target = range(targetStr);
  if (!target) return bad(`container port "${targetStr}" must be a port number or range 1-65535`);
  let published: [number, number] | undefined;
  if (publishedStr !== undefined && publishedStr !== '') {
    published = range(publishedStr);
    if (!published) return bad(`host port "${publishedStr}" must be a port number or range 1-65535`);
  }
  const width = target[1] - target[0];
  if (published && published[1] - published[0] !== width && width !== 0) {
    return bad('the host and container port ranges must be the same size');
  }
  const ports: PortMapping[] = [];
  for (let i = 0; i <= width; i++) {
    ports.push({
      target: target[0] + i,
      protocol,
      ...(published ? { published: published[0] + i } : {}),
      ...(hostIP ? { hostIP } : {}),
      ...(published && width === 0 && published[1] !== published[0] ? { publishedRangeNarrowed: true } : {}),
    });
  }
  return { ports };
}

/** `expose`: container ports only, `"3000"`, `"3000-3005"`, `"3000/udp"`. */
export function parseExposeSpec(spec: unknown): Parsed {
  const s = String(spec).trim();
  const slash = s.lastIndexOf('/');
  const protocol = protocolOf(slash >= 0 ? s.slice(slash + 1) : undefined);
  if (!protocol) return { error: `invalid expose "${s}": protocol must be tcp, udp or sctp` };
  const r = range(slash >= 0 ? s.slice(0, slash) : s);
  if (!r) return { error: `invalid expose "${s}": must be a port number or range 1-65535` };
  const ports: PortMapping[] = [];
  for (let p = r[0]; p <= r[1]; p++) ports.push({ target: p, protocol });
  return { ports };
}
