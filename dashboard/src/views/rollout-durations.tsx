// Rollout durations (newest ReplicaSet created → NewReplicaSetAvailable) of the Deployments in
// view, as a histogram of bars with their counts written out and the p50 / max beside it (the
// markup and the pure histogram / percentile of startup.tsx), and the rollouts still in
// progress or failed, each linked to its workload page.
import { useMemo } from 'preact/hooks';
import type { KubeObject } from '../model/objects.js';
import { ErrorLine, Loading, Section } from './common.js';
import { ROLLOUT_BUCKETS, rolloutDurations } from './rollout-durations-model.js';
import { histogram, percentile } from './startup-model.js';
import { workloadHref } from './workload.js';

const secs = (s: number) => (Number.isNaN(s) ? '—' : s < 10 ? `${s.toFixed(1)} s` : `${Math.round(s)} s`);

export function RolloutDurations(props: { deployments: KubeObject[]; replicaSets: KubeObject[]; loaded: boolean; error: unknown; now: number }) {
  const rollouts = useMemo(() => rolloutDurations(props.deployments, props.replicaSets, props.now), [props.deployments, props.replicaSets, props.now]);
  const durations = rollouts.filter((r) => r.state === 'complete').map((r) => r.seconds);
  const open = rollouts.filter((r) => r.state !== 'complete');
  const buckets = histogram(durations, ROLLOUT_BUCKETS);
  const max = Math.max(1, ...buckets.map((b) => b.count));
  return (
    <Section title="Rollouts (newest ReplicaSet created → available)">
      <ErrorLine error={props.error} />
      {!props.loaded ? <Loading what="deployments" /> : durations.length === 0 ? <p class="muted">No finished rollouts yet.</p> : (
        <div class="startup">
          <p>{durations.length === 1 ? '1 finished rollout' : `${durations.length} finished rollouts`} · p50 {secs(percentile(durations, 50))} · max {secs(percentile(durations, 100))}</p>
          <ol class="histogram" aria-label="deployments by rollout duration">
            {buckets.map((b) => (
              <li key={b.label}>
                <span class="h-label">{b.label}</span>
                <span class="h-bar"><span style={{ width: `${(100 * b.count) / max}%` }} /></span>
                <span class="h-count">{b.count}</span>
              </li>
            ))}
          </ol>
        </div>
      )}
      {open.length > 0 && (
        <ul class="rollouts-open" aria-label="rollouts in progress or failed">
          {open.map((r) => (
            <li key={`${r.namespace}/${r.name}`} class={r.state === 'failed' ? 'failed' : undefined} data-rollout={`${r.namespace}/${r.name}`}>
              <a href={workloadHref('deployments', r.namespace, r.name)}>{`${r.namespace}/${r.name}`}</a>
              {` rev ${r.revision} — `}
              <span class="r-state">{r.state === 'failed' ? `failed after ${secs(r.seconds)}` : `${r.paused ? 'in progress (paused)' : 'in progress'}, ${secs(r.seconds)} so far`}</span>
              {r.state === 'failed' && r.message ? <span class="muted">{` ${r.message}`}</span> : null}
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}
