// Rollout durations (newest ReplicaSet created → NewReplicaSetAvailable) of the Deployments in
// view, as startup.tsx's histogram with the p50 / max beside it, and the rollouts still in
// progress or failed, each linked to its workload page.
import { useMemo } from 'preact/hooks';
import type { KubeObject } from '../model/objects.js';
import { ErrorLine, Loading, Section } from './common.js';
import { ROLLOUT_BUCKETS, rolloutDurations } from './rollout-durations-model.js';
import { histogram, percentile } from './startup-model.js';
import { Histogram, secs } from './startup.js';
import { workloadHref } from './workload.js';

export function RolloutDurations(props: { deployments: KubeObject[]; replicaSets: KubeObject[]; loaded: boolean; error: unknown; now: number }) {
  const rollouts = useMemo(() => rolloutDurations(props.deployments, props.replicaSets, props.now), [props.deployments, props.replicaSets, props.now]);
  const durations = rollouts.filter((r) => r.state === 'complete').map((r) => r.seconds);
  const open = rollouts.filter((r) => r.state !== 'complete');
  const buckets = histogram(durations, ROLLOUT_BUCKETS);
  return (
    <Section title="Rollouts (newest ReplicaSet created → available)">
      <ErrorLine error={props.error} />
      {!props.loaded ? <Loading what="deployments" /> : durations.length === 0 ? <p class="muted">No finished rollouts yet.</p> : (
        <div class="rollouts">
          <p>{durations.length === 1 ? '1 finished rollout' : `${durations.length} finished rollouts`} · p50 {secs(percentile(durations, 50))} · max {secs(percentile(durations, 100))}</p>
          <Histogram buckets={buckets} label="deployments by rollout duration" />
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
