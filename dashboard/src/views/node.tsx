// One node (#/node/NAME): its conditions, taints and pods, and kubectl's node verbs through
// the same API calls — cordon/uncordon (a strategic merge patch of spec.unschedulable) and
// drain: cordon, then evict each pod kubectl would (pods/eviction, which honours
// PodDisruptionBudgets; a server without that subresource gets deletes, as kubectl falls back
// to), leaving DaemonSet and mirror pods; an eviction the API refuses shows its message.
import { useState } from 'preact/hooks';
import { age, nodeReady, podStatus } from '../model/cluster.js';
import { evictionFor, planDrain, podFate, servesEviction, type DrainOptions } from '../model/drain.js';
import type { KubeObject } from '../model/objects.js';
import { ApiError } from '../api.js';
import { useLive } from '../live-hooks.js';
import { ErrorLine, Loading, Section, YamlLink, useAction, useApi } from './common.js';
import { editHref } from './edit.js';

export function nodeHref(name: string): string {
  return `#/node/${encodeURIComponent(name)}`;
}

const podKey = (p: KubeObject) => `${p.metadata.namespace}/${p.metadata.name}`;

export function NodePage(props: { name: string; now: number }) {
  const api = useApi();
  const { name } = props;
  const nodes = useLive('/api/v1/nodes');
  const pods = useLive(`/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${name}`)}`);
  const [run, busy, error] = useAction();
  const [opts, setOpts] = useState<DrainOptions>({ force: false, deleteEmptyDirData: false });
  const [log, setLog] = useState<string[]>([]);
  /** uids of the pods this drain evicted: the drain is done when none is left on the node. */
  const [evicted, setEvicted] = useState<Set<string> | undefined>(undefined);
  const node = nodes.items.find((n) => n.metadata.name === name);
  const path = `/api/v1/nodes/${encodeURIComponent(name)}`;
  if (!nodes.state) return <Section title={`Node ${name}`}><ErrorLine error={nodes.error} /><Loading what="nodes" /></Section>;
  if (!node) return <Section title={`Node ${name}`}><ErrorLine error={nodes.error} /><p>This node does not exist (any more).</p></Section>;

  const say = (line: string) => setLog((l) => [...l, line]);
  const unschedulable = !!node.spec?.unschedulable;
  // kubectl cordon/uncordon: set spec.unschedulable, or remove it (null).
  const setUnschedulable = (on: boolean) => api.json('PATCH', path, { body: { spec: { unschedulable: on ? true : null } }, contentType: 'application/strategic-merge-patch+json' });

  const drain = () => {
    if (!confirm(`Drain node ${name}? It is cordoned, and its pods are evicted (their controllers recreate them elsewhere).`)) return;
    setLog([]);
    setEvicted(undefined);
    void run(async () => {
      if (!unschedulable) await setUnschedulable(true);
      say(`node/${name} cordoned`);
      const list = await api.get<{ items: KubeObject[] }>(`/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${name}`)}`);
      const plan = planDrain(list.items, opts);
      if (plan.errors.length) throw new Error(`unable to drain node "${name}" due to error: ${plan.errors.join(', ')}`);
      if (plan.ignored.length) say(`Warning: ignoring DaemonSet-managed or mirror Pods: ${plan.ignored.map((i) => podKey(i.pod)).join(', ')}`);
      const eviction = servesEviction(await api.get('/api/v1'));
      const gone = new Set<string>();
      const refused: string[] = [];
      for (const p of plan.evict) {
        const podPath = `/api/v1/namespaces/${encodeURIComponent(p.metadata.namespace ?? '')}/pods/${encodeURIComponent(p.metadata.name)}`;
        say(`evicting pod ${podKey(p)}`);
        try {
          if (eviction) await api.json('POST', `${podPath}/eviction`, { body: evictionFor(p) });
          else await api.json('DELETE', podPath, { body: { kind: 'DeleteOptions', apiVersion: 'v1' } });
          if (p.metadata.uid) gone.add(p.metadata.uid);
        } catch (e) {
          if (e instanceof ApiError && e.code === 404) continue; // already gone
          // 429: a PodDisruptionBudget allows no disruption now; kubectl retries, the page says so and goes on.
          refused.push(podKey(p));
          say(`error when evicting pod "${p.metadata.name}" -n "${p.metadata.namespace}": ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      setEvicted(gone);
      if (refused.length) throw new Error(`${refused.length} pod(s) could not be evicted (${refused.join(', ')}); the node stays cordoned — drain again to retry`);
    });
  };

  const waiting = evicted ? pods.items.filter((p) => p.metadata.uid && evicted.has(p.metadata.uid)) : [];
  const ready = nodeReady(node);
  return (
    <div>
      <Section title={`Node ${name}`}>
        <p>
          <span class={ready === 'True' ? 'ok' : 'bad'}>{ready === 'True' ? 'Ready' : `NotReady (${ready})`}</span>
          {unschedulable && <strong class="cordoned">, SchedulingDisabled</strong>}
          {' · '}<YamlLink path={path} /> · <a href={editHref(path)}>Edit YAML</a>
        </p>
        <div class="actions toolbar">
          {unschedulable
            ? <button type="button" disabled={busy} onClick={() => { setLog([]); void run(async () => { await setUnschedulable(false); say(`node/${name} uncordoned`); }); }}>Uncordon</button>
            : <button type="button" disabled={busy} onClick={() => { setLog([]); void run(async () => { await setUnschedulable(true); say(`node/${name} cordoned`); }); }}>Cordon</button>}
          <button type="button" class="danger" disabled={busy} onClick={drain}>Drain</button>
          <label><input type="checkbox" checked={opts.force} onChange={(e) => setOpts({ ...opts, force: (e.target as HTMLInputElement).checked })} /> also evict pods no controller manages (--force)</label>
          <label><input type="checkbox" checked={opts.deleteEmptyDirData} onChange={(e) => setOpts({ ...opts, deleteEmptyDirData: (e.target as HTMLInputElement).checked })} /> and pods with emptyDir data (--delete-emptydir-data)</label>
        </div>
        {log.length > 0 && <pre class="drain-log" tabIndex={0}>{log.join('\n') + (evicted ? (waiting.length ? `\nwaiting for ${waiting.length} pod(s) to terminate: ${waiting.map(podKey).join(', ')}` : `\nnode/${name} drained`) : '')}</pre>}
        <ErrorLine error={error} />
        {(node.spec?.taints ?? []).length > 0 && (
          <p>Taints: {(node.spec.taints as { key: string; value?: string; effect: string }[]).map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).join(', ')}</p>
        )}
      </Section>
      <Section title="Conditions">
        <table><thead><tr><th>Type</th><th>Status</th><th>Reason</th><th>Message</th><th>Last transition</th></tr></thead>
          <tbody>{(node.status?.conditions ?? []).map((c: any) => <tr key={c.type}><td>{c.type}</td><td>{c.status}</td><td>{c.reason ?? ''}</td><td>{c.message ?? ''}</td><td>{age(c.lastTransitionTime, props.now)}</td></tr>)}</tbody>
        </table>
      </Section>
      <Section title="Pods">
        <ErrorLine error={pods.error} />
        {!pods.state ? <Loading what="pods" /> : pods.items.length === 0 ? <p class="muted">No pods on this node.</p> : (
          <table class="node-pods">
            <thead><tr><th>Namespace</th><th>Name</th><th>Status</th><th>On drain</th><th>Age</th></tr></thead>
            <tbody>
              {pods.items.map((p) => {
                const f = podFate(p, opts);
                return (
                  <tr key={p.metadata.uid} data-pod={p.metadata.name}>
                    <td>{p.metadata.namespace}</td>
                    <td><a href={`#/pod/${encodeURIComponent(p.metadata.namespace ?? '')}/${encodeURIComponent(p.metadata.name)}`}>{p.metadata.name}</a></td>
                    <td>{podStatus(p)}</td>
                    <td>{f.kind === 'evict' ? 'evicted' : f.kind === 'ignore' ? `left (${f.reason})` : `blocks the drain (${f.reason})`}</td>
                    <td>{age(p.metadata.creationTimestamp, props.now)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Section>
    </div>
  );
}
