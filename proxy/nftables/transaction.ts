// Turning rulesets into nft scripts. An `nft -f` script is one kernel transaction: packets see
// the old rules or the new, never a half-written table — so a resync never leaves a Service
// without rules. Pure.
//
// fullScript: the whole table, replacing whatever is there (first sync, after an error, and
//   periodically, to repair anything changed behind the proxy's back).
// diffScript: only what changed since the last written ruleset (kube-proxy's partial sync):
//   new chains and sets created empty first (so rules may reference them), changed chains
//   flushed and refilled, map elements deleted/added, then departed chains flushed and
//   deleted (after the elements and rules pointing at them are gone), then departed sets.
import { MAP_NAMES, skeleton, type Ruleset } from './ruleset.js';

export function fullScript(table: string, rs: Ruleset): string {
  const t = `ip ${table}`;
  const lines = [`add table ${t}`, `delete table ${t}`, `table ${t} {`, skeleton(), '}'];
  for (const [name, body] of rs.sets) lines.push(`add set ${t} ${name} { ${body} }`);
  for (const name of rs.chains.keys()) lines.push(`add chain ${t} ${name}`);
  for (const [name, rules] of rs.chains) for (const r of rules) lines.push(`add rule ${t} ${name} ${r}`);
  for (const m of MAP_NAMES) for (const [k, v] of rs.maps[m]) lines.push(`add element ${t} ${m} { ${k} : ${v} }`);
  return lines.join('\n') + '\n';
}

/** The script from `from` to `to`; '' when nothing changed. */
export function diffScript(table: string, from: Ruleset, to: Ruleset): string {
  const t = `ip ${table}`;
  const lines: string[] = [];
  for (const [name, body] of to.sets) if (!from.sets.has(name)) lines.push(`add set ${t} ${name} { ${body} }`);
  for (const name of to.chains.keys()) if (!from.chains.has(name)) lines.push(`add chain ${t} ${name}`);
  for (const [name, rules] of to.chains) {
    const old = from.chains.get(name);
    if (old && sameRules(old, rules)) continue;
    if (old) lines.push(`flush chain ${t} ${name}`);
    for (const r of rules) lines.push(`add rule ${t} ${name} ${r}`);
  }
  for (const m of MAP_NAMES) {
    const a = from.maps[m];
    const b = to.maps[m];
    for (const [k, v] of a) if (b.get(k) !== v) lines.push(`delete element ${t} ${m} { ${k} }`);
    for (const [k, v] of b) if (a.get(k) !== v) lines.push(`add element ${t} ${m} { ${k} : ${v} }`);
  }
  const gone = [...from.chains.keys()].filter((n) => !to.chains.has(n));
  for (const name of gone) lines.push(`flush chain ${t} ${name}`);
  for (const name of gone) lines.push(`delete chain ${t} ${name}`);
  for (const name of from.sets.keys()) if (!to.sets.has(name)) lines.push(`delete set ${t} ${name}`);
  return lines.length ? lines.join('\n') + '\n' : '';
}

function sameRules(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((r, i) => r === b[i]);
}
