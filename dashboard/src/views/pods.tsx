// Pods: filtered by the namespace switcher and a label selector; status as kubectl prints it,
// restarts, node, IP and age; each name opens the pod's page. The table is virtualized
// (virtual-table.tsx): 5,000 pods put only the rows in view into the DOM.
import { useMemo, useState } from 'preact/hooks';
import { age, matchesLabels, podReadyCount, podRestarts, podStatus } from '../model/cluster.js';
import { useLive } from '../live-hooks.js';
import { ErrorLine, Loading, Section } from './common.js';
import { VirtualTable } from './virtual-table.js';

const COLUMNS = [
  { title: 'Namespace', width: '9rem' }, { title: 'Name', width: '16rem' }, { title: 'Ready', width: '4rem' }, { title: 'Status', width: '8rem' },
  { title: 'Restarts', width: '5rem' }, { title: 'Node', width: '10rem' }, { title: 'IP', width: '8rem' }, { title: 'Age', width: '4rem' }, { title: 'Labels', className: 'labels' },
];

const podHref = (namespace: string, name: string) => `#/pod/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;

export function Pods(props: { namespace: string; now: number }) {
  const [selector, setSelector] = useState('');
  const pods = useLive(props.namespace ? `/api/v1/namespaces/${encodeURIComponent(props.namespace)}/pods` : '/api/v1/pods');
  const shown = useMemo(() => (selector.trim() ? pods.items.filter((p) => matchesLabels(p.metadata.labels, selector)) : pods.items), [pods.items, selector]);
  return (
    <Section title="Pods">
      <label class="filter">Label selector <input type="search" placeholder="app=web,tier!=db" value={selector} onInput={(e) => setSelector((e.target as HTMLInputElement).value)} /></label>
      <ErrorLine error={pods.error} />
      {!pods.state ? <Loading what="pods" /> : (
        <VirtualTable
          label="pods"
          className="pods"
          columns={COLUMNS}
          count={shown.length}
          onOpen={(i) => { const p = shown[i]; if (p) location.hash = podHref(p.metadata.namespace!, p.metadata.name); }}
          row={(i, active) => {
            const p = shown[i]!;
            return (
              <tr key={p.metadata.uid ?? p.metadata.name} data-pod={p.metadata.name} class={active ? 'active' : undefined} aria-rowindex={i + 2}>
                <td>{p.metadata.namespace}</td>
                <td><a href={podHref(p.metadata.namespace!, p.metadata.name)}>{p.metadata.name}</a></td>
                <td>{podReadyCount(p)}</td>
                <td class="status">{podStatus(p)}</td>
                <td>{podRestarts(p)}</td>
                <td>{p.spec?.nodeName ?? ''}</td>
                <td>{p.status?.podIP ?? ''}</td>
                <td>{age(p.metadata.creationTimestamp, props.now)}</td>
                <td class="labels">{Object.entries(p.metadata.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(', ')}</td>
              </tr>
            );
          }}
        />
      )}
      {pods.state && <p class="muted" data-shown={shown.length}>{shown.length} of {pods.items.length} pods</p>}
    </Section>
  );
}
