// The chaos soak (issue 21): a real `skiff up` (process runtime) under a workload driver while
// a chaos driver SIGKILLs its components on a seeded schedule (the supervisor restarts them),
// and a checker follows watches and statuses. The invariants are pure (invariants.ts), the
// schedule too (schedule.ts); this file is the thin loop of real processes around them.
import fs from 'node:fs';
import path from 'node:path';
import type { ConfigMap } from '../../api/core/index.js';
import type { Deployment } from '../../api/apps/index.js';
import { RestClient } from '../../client/index.js';
import type { KubeObject } from '../../api/meta.js';
import { alive, Cluster, killGroup, sleep, until } from '../e2e/cluster.js';
import { checkAcknowledged, checkDeploymentBounds, checkWatchOrder, JobHistory, PodHistory, type Acknowledged, type Violation } from './invariants.js';
import { faultSchedule } from './schedule.js';
import { leftoverBridges, leftoverCgroups, leftoverMounts, leftoverNetns, leftoverProcesses, removeLeftovers, SeenProcesses } from '../support/leftovers.js';

export interface SoakResult {
  seed: number;
  faults: number;
  operations: number;
  checks: number;
  violations: Violation[];
  timeline: string[];
}

const NS = 'default';
const DEPLOYMENTS = ['soak-a', 'soak-b', 'soak-c'];

const deployment = (name: string, replicas: number, rev: number) => ({
  apiVersion: 'apps/v1', kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name }, annotations: { 'soak/rev': String(rev) } },
      spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'sleep', image: 'host', command: ['sleep', '3600'] }] },
    },
  },
});

const job = (name: string, completions: number) => ({
  apiVersion: 'batch/v1', kind: 'Job',
  metadata: { name },
  spec: {
    completions, parallelism: 2, backoffLimit: 20,
    template: { spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 1, containers: [{ name: 'done', image: 'host', command: ['sh', '-c', 'sleep 1; exit 0'] }] } },
  },
});

/**
 * `storage: 'etcd'`: `skiff up --storage etcd --apiservers 2 --ha` — a private etcd (not a
 * fault target: one member is the whole store), two API servers the clients fail over
 * between, two controller-managers and two schedulers electing leaders.
 */
export async function runSoak(o: { seed: number; durationMs: number; nodes?: number; storage?: 'embedded' | 'etcd' }): Promise<SoakResult> {
  const t0 = Date.now();
  const timeline: string[] = [];
  const note = (s: string) => timeline.push(`${((Date.now() - t0) / 1000).toFixed(1).padStart(7)}s ${s}`);
  const violations: Violation[] = [];
  const found = (vs: Violation[]) => {
    for (const v of vs) note(`VIOLATION ${v.invariant}: ${v.detail}`);
    violations.push(...vs);
  };
  let checks = 0;
  let operations = 0;
  let faults = 0;

  const cluster = new Cluster({ nodes: o.nodes ?? 3, runtime: 'process' });
  const clients: RestClient[] = [];
  const seen = new SeenProcesses();
  const sandboxIds = new Set<string>();
  const client = (retries: number) => {
    const c = new RestClient({ server: servers, credentials: cluster.credentials(), userAgent: 'chaos-soak', retries, timeoutMs: 10_000 });
    clients.push(c);
    return c;
  };
  let servers: string[] = [];
  const components = (): { name: string; pid: number }[] => {
    try {
      const list = (JSON.parse(fs.readFileSync(path.join(cluster.dataDir, 'components.json'), 'utf8')) as { name: string; pid: number; role?: string; startTime?: string }[]).filter((c) => c.role !== 'etcd');
      for (const c of list) seen.add(c.pid, c.startTime);
      return list;
    } catch {
      return [];
    }
  };
  const collectSandboxes = () => {
    const nodes = path.join(cluster.dataDir, 'nodes');
    for (const n of fs.existsSync(nodes) ? fs.readdirSync(nodes) : []) {
      const d = path.join(nodes, n, 'sandboxes');
      for (const id of fs.existsSync(d) ? fs.readdirSync(d) : []) sandboxIds.add(id);
    }
  };

  let stop = false;
  try {
    await cluster.up(o.storage === 'etcd' ? ['--storage', 'etcd', '--apiservers', '2', '--ha'] : []);
    const tUp = Date.now();
    servers = /API servers: (\S+), (\S+)/.exec(cluster.output)?.slice(1, 3).map((u) => u.replace(/[.,]$/, '')) ?? [cluster.server];
    note(`skiff up: ${o.nodes ?? 3} nodes, process runtime, ${o.storage === 'etcd' ? `etcd, API servers ${servers.join(' ')}, HA controllers` : 'embedded store'}, data dir ${cluster.dataDir}`);
    const targets = components().map((c) => c.name);
    // The soak's length counts from its start (npm test's budget holds however slow the start);
    // the faults are spread over what is left of it, from the moment the cluster is up, about
    // 30 a minute however long it runs (the test asks for 20 a minute).
    const runMs = Math.max(o.durationMs - (tUp - t0), o.durationMs / 2);
    const schedule = faultSchedule({ seed: o.seed, durationMs: runMs, targets, meanGapMs: Math.max(1000, Math.floor(Math.min(runMs, 60_000) / 30)), perTargetSpacingMs: 12_000, quietTailMs: 5_000 });
    note(`schedule: ${schedule.length} faults over ${targets.join(', ')}`);

    // ---- checker: a pod watch, restarted (from a fresh list) whenever it ends ----
    const watcher = client(0);
    const pods = new Map<string, PodHistory>();
    const watchLoop = (async () => {
      let n = 0;
      while (!stop) {
        const name = `pods#${++n}`;
        const events: { type: string; resourceVersion: string }[] = [];
        try {
          const list = await watcher.pods().list({ namespace: NS });
          for (const p of list.items) found((pods.get(p.metadata.uid!) ?? pods.set(p.metadata.uid!, new PodHistory(p.metadata.name ?? '')).get(p.metadata.uid!)!).observe(p.status)), checks++;
          const w = watcher.pods().watch({ namespace: NS, resourceVersion: list.metadata.resourceVersion, allowWatchBookmarks: true });
          const closer = setInterval(() => stop && w.close(), 200);
          try {
            for await (const ev of w) {
              if (ev.type === 'ERROR') break;
              const obj = ev.object as KubeObject & { status?: unknown };
              events.push({ type: ev.type, resourceVersion: obj.metadata.resourceVersion! });
              if (ev.type !== 'BOOKMARK') {
                const uid = obj.metadata.uid!;
                found((pods.get(uid) ?? pods.set(uid, new PodHistory(obj.metadata.name ?? uid)).get(uid)!).observe(obj.status as never));
                checks++;
              }
            }
          } finally {
            clearInterval(closer);
          }
        } catch {
          // the API server is down: list again when it is back
        }
        found(checkWatchOrder(name, events));
        checks += events.length;
        if (!stop) await sleep(300);
      }
    })();

    // ---- workload: ConfigMaps with acknowledgements, Deployments scaled/rolled/deleted, Jobs ----
    const writer = client(0); // no retries: an error means the outcome is unknown
    const acks: Acknowledged[] = [];
    const deleted = new Set<string>();
    const uncertain = new Set<string>();
    const jobs = new Map<string, JobHistory>();
    const rand = (await import('./schedule.js')).prng(o.seed ^ 0x5eed);
    const replicas = new Map<string, number>();
    let rev = 0;
    const cms = client(0).resource<ConfigMap>('ConfigMap');
    const deps = writer.deployments();
    const jobClient = writer.resource<KubeObject>('Job');
    const workload = (async () => {
      let i = 0;
      while (!stop) {
        i++;
        const r = rand();
        try {
          if (r < 0.5) {
            const live = [...new Set(acks.map((a) => a.name))].filter((n) => !deleted.has(n) && !uncertain.has(n));
            const name = r < 0.3 || live.length === 0 ? `soak-cm-${i}` : live[Math.floor(rand() * live.length)]!;
            const data = { v: String(i), at: new Date().toISOString() };
            try {
              const exists = acks.some((a) => a.name === name);
              if (exists && r > 0.45) {
                await cms.delete(name, { namespace: NS });
                deleted.add(name);
                note(`delete ConfigMap ${name} acknowledged`);
              } else {
                const last = [...acks].reverse().find((a) => a.name === name);
                const got = last
                  ? await cms.update({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS, resourceVersion: last.resourceVersion }, data } as ConfigMap)
                  : await cms.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data } as ConfigMap, { namespace: NS });
                acks.push({ name, resourceVersion: got.metadata.resourceVersion!, data: got.data ?? {} });
              }
              operations++;
            } catch (e) {
              uncertain.add(name); // not acknowledged: it may or may not have happened
              throw e;
            }
          } else if (r < 0.85) {
            const name = DEPLOYMENTS[Math.floor(rand() * DEPLOYMENTS.length)]!;
            const cur = await deps.get(name, NS).catch(() => undefined);
            if (!cur) {
              const n = 1 + Math.floor(rand() * 3);
              await deps.create(deployment(name, n, ++rev) as unknown as Deployment, { namespace: NS });
              replicas.set(name, n);
              note(`create Deployment ${name} replicas ${n}`);
            } else if (r < 0.6) {
              const n = 1 + Math.floor(rand() * 3);
              await deps.patch(name, { spec: { replicas: n } }, 'merge', { namespace: NS });
              replicas.set(name, n);
              note(`scale Deployment ${name} to ${n}`);
            } else if (r < 0.8) {
              await deps.patch(name, { spec: { template: { metadata: { annotations: { 'soak/rev': String(++rev) } } } } }, 'merge', { namespace: NS });
              note(`roll Deployment ${name} (rev ${rev})`);
            } else {
              await deps.delete(name, { namespace: NS, propagationPolicy: 'Foreground' } as never);
              replicas.delete(name);
              note(`delete Deployment ${name}`);
            }
            operations++;
          } else if (jobs.size < Math.ceil(o.durationMs / 30_000) + 1) {
            const name = `soak-job-${i}`;
            const completions = 2 + Math.floor(rand() * 3);
            await jobClient.create(job(name, completions) as unknown as KubeObject, { namespace: NS });
            jobs.set(name, new JobHistory(name, completions));
            note(`create Job ${name} completions ${completions}`);
            operations++;
          }
        } catch (e) {
          note(`workload: ${(e as Error).message.split('\n')[0]}`);
        }
        for (const [name, h] of jobs) {
          const j = (await jobClient.get(name, NS).catch(() => undefined)) as { status?: never } | undefined;
          if (j) found(h.observe(j.status)), checks++;
        }
        await sleep(200 + Math.floor(rand() * 400));
      }
    })();

    // ---- chaos: the schedule (from the moment the cluster is up), against whatever pid each component has now ----
    const killed = new Set<number>();
    for (const f of schedule) {
      const wait = tUp + f.atMs - Date.now();
      if (wait > 0) await sleep(wait);
      const c = components().find((x) => x.name === f.target);
      // A pid already killed is one the supervisor has not reaped and replaced yet: no new fault.
      if (c && alive(c.pid) && !killed.has(c.pid)) {
        process.kill(c.pid, 'SIGKILL');
        killed.add(c.pid);
        faults++;
        note(`SIGKILL ${f.target} (pid ${c.pid})`);
      } else note(`skip ${f.target}: not running (still restarting)`);
      collectSandboxes();
    }
    const end = tUp + runMs;
    if (end > Date.now()) await sleep(end - Date.now());
    stop = true;
    await workload;
    note('workload stopped; waiting for the cluster to settle');

    // ---- settled: every Deployment available, every Job complete; then the final checks ----
    const reader = client(5);
    // Settled against what the server holds: an unacknowledged scale or delete may or may not
    // have happened, so the driver's own expectation is not the truth.
    const settleAt = new Map<string, number>();
    for (const name of DEPLOYMENTS) {
      const d0 = await reader.deployments().get(name, NS).catch(() => undefined);
      if (!d0 || d0.metadata.deletionTimestamp) continue;
      const n = d0.spec.replicas ?? 1;
      settleAt.set(name, n);
      if (replicas.get(name) !== n) note(`Deployment ${name}: the server holds replicas ${n} (driver's last acknowledged: ${replicas.get(name) ?? 'deleted'})`);
    }
    const livePods = async (name: string) => {
      const all = (await reader.pods().list({ namespace: NS, labelSelector: `app=${name}` })).items.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
      return { pods: all.length, available: all.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length };
    };
    // All Deployments at once. The bounds are checked once settled: while settling, a scale-down
    // the controllers have not acted on yet (they may just have been killed) leaves more pods than
    // replicas + maxSurge for a while, which is lag, not a broken bound.
    const settled = new Set<string>();
    await until(`Deployments ${[...settleAt.keys()].join(', ')} settled`, async () => {
      for (const [name, n] of settleAt) {
        if (settled.has(name)) continue;
        const d = await reader.deployments().get(name, NS);
        const st = d.status;
        if ((st?.observedGeneration ?? 0) >= (d.metadata.generation ?? 1) && st?.updatedReplicas === n && st?.replicas === n && st?.availableReplicas === n) settled.add(name);
      }
      return settled.size === settleAt.size;
    }, 240_000);
    for (const [name, n] of settleAt) {
      found(checkDeploymentBounds({ name, replicas: n, maxSurge: 1, maxUnavailable: 1, ...(await livePods(name)) }));
      checks++;
    }
    for (const [name, h] of jobs) {
      const j = await until(`Job ${name} complete`, async () => {
        const x = (await reader.resource<KubeObject>('Job').get(name, NS)) as { status?: { succeeded?: number; conditions?: { type: string; status: string }[] } };
        return x.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ? x : undefined;
      }, 240_000);
      found(h.observe(j.status));
      if ((j.status?.succeeded ?? 0) !== h.completions) found([{ invariant: 'Job completions exact', detail: `${name}: succeeded ${j.status?.succeeded}, completions ${h.completions}` }]);
      checks++;
    }
    const final = new Map<string, { resourceVersion: string; data: Record<string, string> }>();
    for (const cm of (await reader.resource<ConfigMap>('ConfigMap').list({ namespace: NS })).items) final.set(cm.metadata.name!, { resourceVersion: cm.metadata.resourceVersion!, data: cm.data ?? {} });
    const sure = acks.filter((a) => !uncertain.has(a.name));
    found(checkAcknowledged(sure, new Set([...deleted].filter((n) => !uncertain.has(n))), final));
    checks += new Set(sure.map((a) => a.name)).size;
    await watchLoop;
    note(`final checks done: ${sure.length} acknowledged writes, ${pods.size} pods followed`);
  } catch (e) {
    // The timeline is what makes a failure replayable and readable: never lose it.
    throw new Error(`${(e as Error).message}\nseed ${o.seed}; timeline:\n${timeline.join('\n')}`);
  } finally {
    stop = true;
    collectSandboxes();
    for (const c of clients) c.close();
    const dataDir = cluster.dataDir;
    // Stopped first and looked at before the data dir goes: a leftover process is described
    // from the container record it belongs to.
    await cluster.down();
    // ---- after teardown: nothing of the cluster left on the host ----
    const nodeNames = Array.from({ length: o.nodes ?? 3 }, (_, i) => `${cluster.nodePrefix}${i + 1}`);
    const left = [...leftoverProcesses(dataDir, seen), ...leftoverMounts(dataDir), ...leftoverNetns(sandboxIds), ...leftoverCgroups(nodeNames), ...leftoverBridges(nodeNames)];
    if (left.length) found(left.map((l) => ({ invariant: 'nothing left after teardown', detail: l })));
    checks++;
    if (left.length && process.env.SKIFF_SOAK_KEEP) keepForAutopsy(dataDir, process.env.SKIFF_SOAK_KEEP, note);
    for (const { pid } of seen.running()) killGroup(pid, 'SIGKILL');
    if (left.length) await removeLeftovers(dataDir, nodeNames, sandboxIds);
    await cluster.destroy();
  }
  return { seed: o.seed, faults, operations, checks, violations, timeline };
}

/** SKIFF_SOAK_KEEP=DIR: on a teardown violation, copy the components' logs and the nodes' container records there. */
function keepForAutopsy(dataDir: string, to: string, note: (s: string) => void): void {
  try {
    const dest = path.join(to, path.basename(path.dirname(dataDir)));
    fs.mkdirSync(dest, { recursive: true });
    fs.cpSync(path.join(dataDir, 'logs'), path.join(dest, 'logs'), { recursive: true });
    const nodes = path.join(dataDir, 'nodes');
    for (const n of fs.existsSync(nodes) ? fs.readdirSync(nodes) : []) {
      const c = path.join(nodes, n, 'containers');
      if (fs.existsSync(c)) fs.cpSync(c, path.join(dest, n, 'containers'), { recursive: true, filter: (src) => !src.includes('/fs/') });
    }
    note(`kept the logs and container records in ${dest}`);
  } catch (e) {
    note(`could not keep the logs: ${(e as Error).message}`);
  }
}
