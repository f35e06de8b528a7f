// Cluster overview: nodes with their Ready condition, requested vs allocatable CPU and memory,
// pod counts, pod startup durations, Deployments' rollout durations, and the most recent
// Warning events.
import { age, nodeReady, nodeUsage } from '../model/cluster.js';
import { formatBytes, formatCpu } from '../model/quantity.js';
import { useLive } from '../live-hooks.js';
import { Bar, ErrorLine, Loading, Section, objectPath } from './common.js';
import { nodeHref } from './node.js';
import { RolloutDurations } from './rollout-durations.js';
import { StartupHistogram } from './startup.js';

export function Overview(props: { now: number }) {
  const nodes = useLive('/api/v1/nodes');
  const pods = useLive('/api/v1/pods');
  const events = useLive('/api/v1/events');
  const deployments = useLive(objectPath('apps/v1', 'deployments', undefined));
  const replicaSets = useLive(objectPath('apps/v1', 'replicasets', undefined));
  const warnings = events.items
    .filter((e) => e.type === 'Warning')
    .sort((a, b) => eventTime(b).localeCompare(eventTime(a)))
    .slice(0, 20);
  return (
    <div>
      <Section title="Nodes">
        <ErrorLine error={nodes.error} />
        {!nodes.state ? <Loading what="nodes" /> : (
          <table class="nodes">
            <thead><tr><th>Name</th><th>Ready</th><th>CPU requested</th><th>Memory requested</th><th>Pods</th><th>Age</th></tr></thead>
            <tbody>
              {nodes.items.map((n) => {
                const u = nodeUsage(n, pods.items);
                const ready = nodeReady(n);
                return (
                  <tr key={n.metadata.name} data-node={n.metadata.name}>
                    <td><a href={nodeHref(n.metadata.name)}>{n.metadata.name}</a>{n.spec?.unschedulable ? ' (cordoned)' : ''}</td>
                    <td class={ready === 'True' ? 'ok' : 'bad'}>{ready === 'True' ? 'Ready' : `NotReady (${ready})`}</td>
                    <td><Bar label={`CPU requested on ${n.metadata.name}`} value={u.cpu.requested} max={u.cpu.allocatable} text={`${formatCpu(u.cpu.requested)} / ${formatCpu(u.cpu.allocatable)}`} /></td>
                    <td><Bar label={`memory requested on ${n.metadata.name}`} value={u.memory.requested} max={u.memory.allocatable} text={`${formatBytes(u.memory.requested)} / ${formatBytes(u.memory.allocatable)}`} /></td>
                    <td>{u.pods}{u.maxPods ? ` / ${u.maxPods}` : ''}</td>
                    <td>{age(n.metadata.creationTimestamp, props.now)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Section>
      <StartupHistogram pods={pods.items} />
      <RolloutDurations deployments={deployments.items} replicaSets={replicaSets.items} loaded={!!deployments.state && !!replicaSets.state} error={deployments.error ?? replicaSets.error} now={props.now} />
      <Section title="Recent warnings">
        <ErrorLine error={events.error} />
        {warnings.length === 0 ? <p class="muted">No Warning events.</p> : (
          <table>
            <thead><tr><th>Last seen</th><th>Object</th><th>Reason</th><th>Message</th></tr></thead>
            <tbody>
              {warnings.map((e) => (
                <tr key={e.metadata.uid ?? e.metadata.name}>
                  <td>{age(eventTime(e), props.now)}</td>
                  <td>{`${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}`}</td>
                  <td>{String(e.reason ?? '')}</td>
                  <td>{String(e.message ?? e.note ?? '')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </div>
  );
}

export function eventTime(e: any): string {
  return String(e.lastTimestamp ?? e.eventTime ?? e.series?.lastObservedTime ?? e.metadata?.creationTimestamp ?? '');
}
