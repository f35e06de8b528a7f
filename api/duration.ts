// How Kubernetes prints durations (k8s.io/apimachinery/pkg/util/duration.HumanDuration):
// the AGE column, "RESTARTS 3 (2m ago)", event "LAST SEEN". Shared by the API server's table
// printers and kctl's describe, so both print exactly what kubectl users expect.

/** "45s", "2m5s", "15m", "5h10m", "10h", "3d4h", "30d", "2y30d". */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${years}y` : `${years}y${days % 365}d`;
  return `${years}y`;
}

/** The age of a timestamp as kubectl prints it; `<unknown>` without a (parsable) one. */
export function age(timestamp: string | null | undefined, nowMs = Date.now()): string {
  if (!timestamp) return '<unknown>';
  const t = Date.parse(timestamp);
  return Number.isNaN(t) ? '<unknown>' : humanDuration(nowMs - t);
}

/** A duration as people type it on a command line — "90s", "30m", "12h", "7d" or bare seconds — in ms. */
export function parseDuration(v: string): number {
  const m = /^(\d+)(s|m|h|d)?$/.exec(v.trim());
  if (!m) throw new Error(`invalid duration "${v}": use e.g. 30m, 12h or 7d`);
  return Number(m[1]) * ({ s: 1, m: 60, h: 3600, d: 86400 } as const)[(m[2] ?? 's') as 's'] * 1000;
}
