// Events as a timeline: one block per involved object (newest activity first), each with a
// track of its events over the window and the events listed newest first; Warnings stand out.
// Filtered by the namespace switcher, the object's kind and the event's type. Live: the
// events list is watched like every other view's.
import { useState } from 'preact/hooks';
import { age } from '../model/cluster.js';
import { useLive } from '../live-hooks.js';
import { ErrorLine, Loading, Section } from './common.js';
import { timeline, trackPercent, type EventGroup } from './events-model.js';

const MAX_GROUPS = 200;

function ObjectLink(props: { group: EventGroup }) {
  const g = props.group;
  const label = `${g.kind || '?'} ${g.namespace ? `${g.namespace}/` : ''}${g.name}`;
  if (g.kind === 'Pod' && g.namespace) return <a href={`#/pod/${encodeURIComponent(g.namespace)}/${encodeURIComponent(g.name)}`}>{label}</a>;
  return <span>{label}</span>;
}

function Track(props: { group: EventGroup; from: number; to: number }) {
  return (
    <div class="ev-track" aria-hidden="true">
      {props.group.events.map((e) => (
        <span key={e.key} class={e.type === 'Warning' ? 'tick warning' : 'tick'} title={`${e.reason}: ${e.message}`} style={{ left: `${trackPercent(e.time, props.from, props.to)}%` }} />
      ))}
    </div>
  );
}

export function Events(props: { namespace: string; now: number }) {
  const [kind, setKind] = useState('');
  const [type, setType] = useState('');
  const events = useLive(props.namespace ? `/api/v1/namespaces/${encodeURIComponent(props.namespace)}/events` : '/api/v1/events');
  const t = timeline(events.items, { namespace: props.namespace, kind, type }, MAX_GROUPS);
  // The track spans the last hour, or back to the oldest event shown when that is nearer.
  let oldest = props.now;
  for (const g of t.groups) for (const e of g.events) if (e.time < oldest) oldest = e.time;
  const from = Math.max(props.now - 3_600_000, oldest);
  const to = Math.max(props.now, from + 60_000);
  return (
    <Section title="Events">
      <div class="toolbar">
        <label>Kind <select value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value)}>
          <option value="">all kinds</option>
          {[...new Set([...t.kinds, ...(kind ? [kind] : [])])].map((k) => <option key={k} value={k}>{k}</option>)}
        </select></label>
        <label>Type <select value={type} onChange={(e) => setType((e.target as HTMLSelectElement).value)}>
          <option value="">Normal and Warning</option>
          <option value="Warning">Warning</option>
          <option value="Normal">Normal</option>
        </select></label>
        <span class="muted">track: {age(new Date(from).toISOString(), props.now)} ago → now</span>
      </div>
      <ErrorLine error={events.error} />
      {!events.state ? <Loading what="events" /> : t.groups.length === 0 ? <p class="muted">No events.</p> : (
        <ol class="timeline">
          {t.groups.map((g) => (
            <li key={g.key} class={g.warnings ? 'ev-group has-warning' : 'ev-group'} data-object={`${g.kind}/${g.namespace}/${g.name}`}>
              <div class="ev-head">
                <strong><ObjectLink group={g} /></strong>
                <span class="muted">{g.events.length} event{g.events.length === 1 ? '' : 's'}{g.warnings ? `, ${g.warnings} Warning` : ''} · last {Number.isNaN(g.last) ? '?' : age(new Date(g.last).toISOString(), props.now)} ago</span>
              </div>
              <Track group={g} from={from} to={to} />
              <ul class="ev-list">
                {g.events.map((e) => (
                  <li key={e.key} class={e.type === 'Warning' ? 'ev warning' : 'ev'} data-reason={e.reason}>
                    <time dateTime={Number.isNaN(e.time) ? undefined : new Date(e.time).toISOString()}>{Number.isNaN(e.time) ? '?' : new Date(e.time).toLocaleTimeString()}</time>
                    <span class="ev-type">{e.type}</span>
                    <span class="ev-reason">{e.reason}{e.count > 1 ? ` ×${e.count}` : ''}</span>
                    <span class="ev-message">{e.message}</span>
                    <span class="ev-source muted">{e.source}</span>
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ol>
      )}
      {events.state && <p class="muted">{t.groups.length < t.total ? `the ${t.groups.length} most recently active of ${t.total} objects` : `${t.total} objects`} · {events.items.length} events</p>}
    </Section>
  );
}
