// Compose's units: durations (`1m30s`, `500ms`, `10us`; Go's time.Duration without `ns`) and
// byte sizes (`512m`, `1gb`, `2048k`: docker's units, which are binary: m = MiB), turned into
// what Kubernetes takes (whole seconds; resource quantities).

const DURATION_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `1m30s` → 90000 (ms). A bare number is seconds. undefined when malformed. */
export function parseComposeDuration(v: string | number): number | undefined {
  if (typeof v === 'number') return v >= 0 ? v * 1000 : undefined;
  const s = v.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  if (!s) return undefined;
  let total = 0;
  let rest = s;
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(us|ms|s|m|h)/.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return total;
}

/** Whole seconds for a probe field, at least `min` (Kubernetes' minimum for the field). */
export function durationSeconds(v: string | number, min = 1): number {
  const ms = parseComposeDuration(v) ?? 0;
  return Math.max(min, Math.ceil(ms / 1000));
}

const BYTE_UNITS: Record<string, string> = { '': '', k: 'Ki', m: 'Mi', g: 'Gi', t: 'Ti' };

/** docker's `512m` / `1gb` / `1073741824` → a Kubernetes quantity (`512Mi`, `1Gi`, `1073741824`); undefined when malformed. */
export function byteQuantity(v: string | number): string | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? String(v) : undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)b?$/i.exec(v.trim());
  if (!m) return undefined;
  const unit = BYTE_UNITS[m[2]!.toLowerCase()]!;
  if (m[1]!.includes('.')) {
    // A fraction of a unit: whole bytes, as docker rounds.
    const mult = { '': 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 }[unit]!;
    return String(Math.round(Number(m[1]) * mult));
  }
  return `${m[1]}${unit}`;
}

/** `cpus: 0.5` / `"1.5"` → `500m` / `1500m`; undefined when malformed. */
export function cpuQuantity(v: string | number): string | undefined {
  const n = typeof v === 'number' ? v : Number(v.trim());
  if (!Number.isFinite(n) || n < 0 || (typeof v === 'string' && !/^\d*\.?\d+$/.test(v.trim()))) return undefined;
  return `${Math.round(n * 1000)}m`;
}
