// Workloads: Deployments with a live rollout bar (replicas of the current ReplicaSet against
// the old ones) and the actions kctl has — scale (a merge patch on the scale subresource),
// rollout restart (a strategic merge patch of the template's restartedAt annotation) and
// delete (background propagation, after confirmation) — then every other resource the API
// lists in the "all" category, found through discovery rather than named here.
import { useEffect, useState } from 'preact/hooks';
import { age, rollout, rolloutText } from '../model/cluster.js';
import type { KubeObject } from '../model/objects.js';
import { useLive } from '../live-hooks.js';
import { Bar, ErrorLine, Loading, Section, YamlLink, objectPath, useAction, useApi } from './common.js';
import { HISTORY_KINDS, workloadHref } from './workload.js';

export function Workloads(props: { namespace: string; now: number }) {
  const ns = props.namespace;
  const scope = (apiVersion: string, plural: string) => (ns ? objectPath(apiVersion, plural, ns) : objectPath(apiVersion, plural, undefined));
  const deployments = useLive(scope('apps/v1', 'deployments'));
  const replicaSets = useLive(scope('apps/v1', 'replicasets'));
  const kinds = useDiscoveredWorkloads();
  return (
    <div>
      <Section title="Deployments">
        <ErrorLine error={deployments.error} />
        {!deployments.state ? <Loading what="deployments" /> : deployments.items.length === 0 ? <p class="muted">No Deployments.</p> : (
          <table class="deployments">
            <thead><tr><th>Namespace</th><th>Name</th><th>Rollout (new / old replicas)</th><th>Ready</th><th>Age</th><th>Actions</th></tr></thead>
            <tbody>{deployments.items.map((d) => <DeploymentRow key={d.metadata.uid} d={d} replicaSets={replicaSets.items} now={props.now} />)}</tbody>
          </table>
        )}
      </Section>
      {kinds.map((k) => <GenericList key={k.path} kind={k} namespace={ns} now={props.now} />)}
    </div>
  );
}

function DeploymentRow(props: { d: KubeObject; replicaSets: KubeObject[]; now: number }) {
  const api = useApi();
  const { d } = props;
  const r = rollout(d, props.replicaSets);
  const [replicas, setReplicas] = useState(String(d.spec?.replicas ?? 1));
  useEffect(() => setReplicas(String(d.spec?.replicas ?? 1)), [d.spec?.replicas]);
  const [run, busy, error] = useAction();
  const path = objectPath('apps/v1', 'deployments', d.metadata.namespace, d.metadata.name);
  const name = d.metadata.name;
  const max = Math.max(r.desired, r.current + r.old, 1);
  return (
    <tr data-deployment={name}>
      <td>{d.metadata.namespace}</td>
      <td><a href={workloadHref('deployments', d.metadata.namespace, name)}>{name}</a></td>
      <td>
        <Bar label={`rollout of ${name}`} value={r.current} max={max}
          text={rolloutText(r)}
          parts={[{ value: r.current, className: 'new', title: `${r.current} replicas of revision ${r.revision ?? '?'}` }, { value: r.old, className: 'old', title: `${r.old} replicas of older revisions` }]} />
      </td>
      <td class="ready">{`${r.ready}/${r.desired}`}</td>
      <td>{age(d.metadata.creationTimestamp, props.now)}</td>
      <td class="actions">
        <form onSubmit={(e) => {
          e.preventDefault();
          const n = Number(replicas);
          if (!Number.isInteger(n) || n < 0) return;
          void run(() => api.json('PATCH', `${path}/scale`, { body: { spec: { replicas: n } }, contentType: 'application/merge-patch+json' }));
        }}>
          <input type="number" min={0} value={replicas} aria-label={`replicas for ${name}`} onInput={(e) => setReplicas((e.target as HTMLInputElement).value)} />
          <button type="submit" disabled={busy}>Scale</button>
        </form>
        <button type="button" disabled={busy} onClick={() => run(() => api.json('PATCH', `${path}?fieldManager=kubectl-rollout`, {
          body: { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } } } } },
          contentType: 'application/strategic-merge-patch+json',
        }))}>Restart</button>
        <button type="button" class="danger" disabled={busy} onClick={() => {
          if (confirm(`Delete deployment ${d.metadata.namespace}/${name}?`)) void run(() => api.json('DELETE', path, { body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' } }));
        }}>Delete</button>
        <ErrorLine error={error} />
      </td>
    </tr>
  );
}

export interface DiscoveredKind {
  kind: string;
  plural: string;
  apiVersion: string;
  namespaced: boolean;
  path: string;
}

/** Resources in the "all" category (kubectl get all's), except those with views of their own. */
function useDiscoveredWorkloads(): DiscoveredKind[] {
  const api = useApi();
  const [kinds, setKinds] = useState<DiscoveredKind[]>([]);
  useEffect(() => {
    const ac = new AbortController();
    (async () => {
      const found: DiscoveredKind[] = [];
      const groups = await api.get<{ groups: { preferredVersion: { groupVersion: string } }[] }>('/apis', ac.signal);
      const gvs = ['v1', ...groups.groups.map((g) => g.preferredVersion.groupVersion)];
      await Promise.all(gvs.map(async (gv) => {
        const list = await api.get<{ resources: { name: string; kind: string; namespaced: boolean; verbs: string[]; categories?: string[] }[] }>(gv === 'v1' ? '/api/v1' : `/apis/${gv}`, ac.signal);
        for (const r of list.resources) {
          if (r.name.includes('/') || !r.categories?.includes('all') || !r.verbs.includes('watch')) continue;
          if (['pods', 'services', 'deployments'].includes(r.name) && (gv === 'v1' || gv === 'apps/v1')) continue;
          found.push({ kind: r.kind, plural: r.name, apiVersion: gv, namespaced: r.namespaced, path: '' });
        }
      }));
      found.sort((a, b) => a.kind.localeCompare(b.kind));
      setKinds(found);
    })().catch(() => undefined);
    return () => ac.abort();
  }, [api]);
  return kinds;
}

function GenericList(props: { kind: DiscoveredKind; namespace: string; now: number }) {
  const { kind } = props;
  const list = useLive(objectPath(kind.apiVersion, kind.plural, kind.namespaced && props.namespace ? props.namespace : undefined));
  return (
    <Section title={`${kind.kind}s`}>
      <ErrorLine error={list.error} />
      {!list.state ? <Loading what={kind.plural} /> : list.items.length === 0 ? <p class="muted">None.</p> : (
        <table data-kind={kind.kind}>
          <thead><tr>{kind.namespaced && <th>Namespace</th>}<th>Name</th><th>Status</th><th>Age</th></tr></thead>
          <tbody>
            {list.items.map((o) => (
              <tr key={o.metadata.uid}>
                {kind.namespaced && <td>{o.metadata.namespace}</td>}
                <td>{kind.apiVersion === 'apps/v1' && HISTORY_KINDS.has(kind.plural)
                  ? <a href={workloadHref(kind.plural, o.metadata.namespace, o.metadata.name)}>{o.metadata.name}</a>
                  : <YamlLink path={objectPath(kind.apiVersion, kind.plural, o.metadata.namespace, o.metadata.name)}>{o.metadata.name}</YamlLink>}</td>
                <td>{summary(o)}</td>
                <td>{age(o.metadata.creationTimestamp, props.now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

/** A one-line status for any workload: the replica-ish counts its status carries. */
function summary(o: KubeObject): string {
  const s = o.status ?? {};
  const parts: string[] = [];
  for (const f of ['replicas', 'readyReplicas', 'currentNumberScheduled', 'numberReady', 'desiredNumberScheduled', 'active', 'succeeded', 'failed', 'currentReplicas', 'desiredReplicas']) {
    if (typeof s[f] === 'number') parts.push(`${f}=${s[f]}`);
  }
  return parts.join(' ');
}
