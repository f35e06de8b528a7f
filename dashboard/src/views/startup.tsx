// Pod startup durations (creation → Ready) of the pods in view, as a histogram of bars with
// their counts written out, and the p50 / p90 / max beside it.
import { useMemo } from 'preact/hooks';
import type { KubeObject } from '../model/objects.js';
import { Section } from './common.js';
import { histogram, percentile, startupSeconds } from './startup-model.js';

export const secs = (s: number) => (Number.isNaN(s) ? '—' : s < 10 ? `${s.toFixed(1)} s` : `${Math.round(s)} s`);

export function StartupHistogram(props: { pods: KubeObject[] }) {
  const durations = useMemo(() => props.pods.map(startupSeconds).filter((s): s is number => s !== undefined), [props.pods]);
  const buckets = histogram(durations);
  return (
    <Section title="Pod startup (created → Ready)">
      {durations.length === 0 ? <p class="muted">No Ready pods yet.</p> : (
        <div class="startup">
          <p>{durations.length} Ready pods · p50 {secs(percentile(durations, 50))} · p90 {secs(percentile(durations, 90))} · max {secs(percentile(durations, 100))}</p>
          <Histogram buckets={buckets} label="pods by startup duration" />
        </div>
      )}
    </Section>
  );
}

/** Bars with their counts written out (text, so a screen reader reads the numbers). */
export function Histogram(props: { buckets: { label: string; count: number }[]; label: string }) {
  const max = Math.max(1, ...props.buckets.map((b) => b.count));
  return (
    <ol class="histogram" aria-label={props.label}>
      {props.buckets.map((b) => (
        <li key={b.label}>
          <span class="h-label">{b.label}</span>
          <span class="h-bar"><span style={{ width: `${(100 * b.count) / max}%` }} /></span>
          <span class="h-count">{b.count}</span>
        </li>
      ))}
    </ol>
  );
}
