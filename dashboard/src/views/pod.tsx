// One pod: its containers and their state, conditions, events, and its logs streamed from
// the log subresource (follow keeps the response open; previous reads the last instance's).
import { useEffect, useRef, useState } from 'preact/hooks';
import { age, podStatus } from '../model/cluster.js';
import { useLive } from '../live-hooks.js';
import { ErrorLine, Loading, Section, YamlLink, useApi } from './common.js';
import { eventTime } from './overview.js';

/** Logs kept in the page; older text is dropped from the top. */
const MAX_LOG_CHARS = 512 * 1024;

export function PodPage(props: { namespace: string; name: string; now: number }) {
  const { namespace, name } = props;
  const pods = useLive(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`);
  const events = useLive(`/api/v1/namespaces/${encodeURIComponent(namespace)}/events`);
  const pod = pods.items.find((p) => p.metadata.name === name);
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`;
  if (!pods.state) return <Loading what="the pod" />;
  if (!pod) return <Section title={`Pod ${namespace}/${name}`}><ErrorLine error={pods.error} /><p>This pod does not exist (any more).</p></Section>;
  const mine = events.items.filter((e) => e.involvedObject?.kind === 'Pod' && e.involvedObject?.name === name).sort((a, b) => eventTime(a).localeCompare(eventTime(b)));
  const statuses = new Map<string, any>((pod.status?.containerStatuses ?? []).map((c: any) => [c.name, c]));
  return (
    <div>
      <Section title={`Pod ${namespace}/${name}`}>
        <p>{podStatus(pod)} on {pod.spec?.nodeName ?? '(not scheduled)'} · IP {pod.status?.podIP ?? '—'} · <YamlLink path={path} /></p>
        <table class="containers">
          <thead><tr><th>Container</th><th>Image</th><th>State</th><th>Ready</th><th>Restarts</th></tr></thead>
          <tbody>
            {(pod.spec?.containers ?? []).map((c: any) => {
              const s = statuses.get(c.name);
              const state = s?.state ? Object.keys(s.state)[0] : 'unknown';
              const reason = s?.state?.[state!]?.reason;
              return <tr key={c.name}><td>{c.name}</td><td>{c.image}</td><td>{reason ? `${state} (${reason})` : state}</td><td>{String(!!s?.ready)}</td><td>{s?.restartCount ?? 0}</td></tr>;
            })}
          </tbody>
        </table>
      </Section>
      <Section title="Conditions">
        <table><thead><tr><th>Type</th><th>Status</th><th>Reason</th><th>Last transition</th></tr></thead>
          <tbody>{(pod.status?.conditions ?? []).map((c: any) => <tr key={c.type}><td>{c.type}</td><td>{c.status}</td><td>{c.reason ?? ''}</td><td>{age(c.lastTransitionTime, props.now)}</td></tr>)}</tbody>
        </table>
      </Section>
      <Section title="Events">
        {mine.length === 0 ? <p class="muted">No events.</p> : (
          <table><thead><tr><th>Type</th><th>Reason</th><th>Age</th><th>Message</th></tr></thead>
            <tbody>{mine.map((e) => <tr key={e.metadata.uid ?? e.metadata.name}><td>{String(e.type ?? '')}</td><td>{String(e.reason ?? '')}</td><td>{age(eventTime(e), props.now)}</td><td>{String(e.message ?? e.note ?? '')}</td></tr>)}</tbody>
          </table>
        )}
      </Section>
      <Logs namespace={namespace} name={name} containers={(pod.spec?.containers ?? []).map((c: any) => c.name)} />
    </div>
  );
}

function Logs(props: { namespace: string; name: string; containers: string[] }) {
  const api = useApi();
  const [container, setContainer] = useState(props.containers[0] ?? '');
  const [follow, setFollow] = useState(true);
  const [previous, setPrevious] = useState(false);
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const pre = useRef<HTMLPreElement>(null);
  useEffect(() => {
    const ac = new AbortController();
    setText('');
    setError(undefined);
    const q = new URLSearchParams({ container, tailLines: '1000' });
    if (previous) q.set('previous', 'true');
    else if (follow) q.set('follow', 'true');
    (async () => {
      const res = await api.raw('GET', `/api/v1/namespaces/${encodeURIComponent(props.namespace)}/pods/${encodeURIComponent(props.name)}/log?${q}`, { signal: ac.signal });
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        setText((t) => { const n = t + value; return n.length > MAX_LOG_CHARS ? n.slice(n.length - MAX_LOG_CHARS) : n; });
      }
    })().catch((e: unknown) => { if (!ac.signal.aborted) setError(e); });
    return () => ac.abort();
  }, [container, follow, previous, props.namespace, props.name]);
  useEffect(() => {
    if (follow && pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [text, follow]);
  return (
    <Section title="Logs">
      <div class="toolbar">
        <label>Container <select value={container} onChange={(e) => setContainer((e.target as HTMLSelectElement).value)}>{props.containers.map((c) => <option key={c} value={c}>{c}</option>)}</select></label>
        <label><input type="checkbox" checked={follow} onChange={(e) => setFollow((e.target as HTMLInputElement).checked)} /> Follow</label>
        <label><input type="checkbox" checked={previous} onChange={(e) => setPrevious((e.target as HTMLInputElement).checked)} /> Previous instance</label>
      </div>
      <ErrorLine error={error} />
      <pre class="logs" ref={pre} tabIndex={0} aria-label="logs">{text}</pre>
    </Section>
  );
}
