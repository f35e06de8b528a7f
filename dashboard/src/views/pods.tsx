// Pods: filtered by the namespace switcher and a label selector; status as kubectl prints it,
// restarts, node, IP and age; each name opens the pod's page.
import { useState } from 'preact/hooks';
import { age, matchesLabels, podReadyCount, podRestarts, podStatus } from '../model/cluster.js';
import { useLive } from '../live-hooks.js';
import { ErrorLine, Loading, Section } from './common.js';

export function Pods(props: { namespace: string; now: number }) {
  const [selector, setSelector] = useState('');
  const pods = useLive(props.namespace ? `/api/v1/namespaces/${encodeURIComponent(props.namespace)}/pods` : '/api/v1/pods');
  const shown = pods.items.filter((p) => matchesLabels(p.metadata.labels, selector));
  return (
    <Section title="Pods">
      <label class="filter">Label selector <input type="search" placeholder="app=web,tier!=db" value={selector} onInput={(e) => setSelector((e.target as HTMLInputElement).value)} /></label>
      <ErrorLine error={pods.error} />
      {!pods.state ? <Loading what="pods" /> : (
        <table class="pods">
          <thead><tr><th>Namespace</th><th>Name</th><th>Ready</th><th>Status</th><th>Restarts</th><th>Node</th><th>IP</th><th>Age</th><th>Labels</th></tr></thead>
          <tbody>
            {shown.map((p) => (
              <tr key={p.metadata.uid ?? p.metadata.name} data-pod={p.metadata.name}>
                <td>{p.metadata.namespace}</td>
                <td><a href={`#/pod/${encodeURIComponent(p.metadata.namespace!)}/${encodeURIComponent(p.metadata.name)}`}>{p.metadata.name}</a></td>
                <td>{podReadyCount(p)}</td>
                <td class="status">{podStatus(p)}</td>
                <td>{podRestarts(p)}</td>
                <td>{p.spec?.nodeName ?? ''}</td>
                <td>{p.status?.podIP ?? ''}</td>
                <td>{age(p.metadata.creationTimestamp, props.now)}</td>
                <td class="labels">{Object.entries(p.metadata.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {pods.state && <p class="muted">{shown.length} of {pods.items.length} pods</p>}
    </Section>
  );
}
