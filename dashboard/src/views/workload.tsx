// One Deployment, StatefulSet or DaemonSet (#/workload/PLURAL/NS/NAME): its rollout, its
// revision history (a Deployment's ReplicaSets by revision, the others' ControllerRevisions)
// with a line diff of any two revisions' pod templates, and the API calls kubectl's rollout
// verbs make — undo to a chosen revision (a JSON patch putting that revision's template back,
// as `kubectl rollout undo --to-revision`), pause and resume (a strategic merge patch of
// spec.paused, Deployments only).
import { useState } from 'preact/hooks';
import { age, rollout, rolloutText } from '../model/cluster.js';
import { diffPrefix, hasChanges, lineDiff } from '../model/line-diff.js';
import type { KubeObject } from '../model/objects.js';
import { controllerRevisionHistory, currentRevision, deploymentHistory, planDeploymentUndo, planRevisionUndo, templateYaml, type Revision } from '../model/rollout-history.js';
import { useLive } from '../live-hooks.js';
import { Bar, ErrorLine, Loading, Section, YamlLink, objectPath, useAction, useApi } from './common.js';
import { editHref } from './edit.js';

/** The apps/v1 kinds with a revision history, by plural. */
export const HISTORY_KINDS = new Set(['deployments', 'statefulsets', 'daemonsets']);

const KIND_WORD: Record<string, string> = { deployments: 'deployment', statefulsets: 'statefulset', daemonsets: 'daemonset' };

export function workloadHref(plural: string, namespace: string | undefined, name: string): string {
  return `#/workload/${plural}/${encodeURIComponent(namespace ?? '')}/${encodeURIComponent(name)}`;
}

export function WorkloadPage(props: { plural: string; namespace: string; name: string; now: number }) {
  const { plural, namespace, name } = props;
  const known = HISTORY_KINDS.has(plural);
  const isDeployment = plural === 'deployments';
  const list = useLive(known ? objectPath('apps/v1', plural, namespace) : undefined);
  const replicaSets = useLive(known && isDeployment ? objectPath('apps/v1', 'replicasets', namespace) : undefined);
  const revisions = useLive(known && !isDeployment ? objectPath('apps/v1', 'controllerrevisions', namespace) : undefined);
  const title = `${KIND_WORD[plural] ?? plural} ${namespace}/${name}`;
  if (!known) return <p>No workload page for {plural}.</p>;
  if (!list.state) return <Section title={title}><ErrorLine error={list.error} /><Loading what={plural} /></Section>;
  const w = list.items.find((o) => o.metadata.name === name);
  if (!w) return <Section title={title}><ErrorLine error={list.error} /><p>This {KIND_WORD[plural]} does not exist (any more).</p></Section>;
  const history = isDeployment ? deploymentHistory(w, replicaSets.items) : controllerRevisionHistory(w, revisions.items);
  const path = objectPath('apps/v1', plural, namespace, name);
  return (
    <div>
      <Section title={title}>
        <p><YamlLink path={path} /> · <a href={editHref(path)}>Edit YAML</a></p>
        {isDeployment ? <DeploymentRollout d={w} replicaSets={replicaSets.items} path={path} /> : <p class="rollout-summary">{revisionedSummary(w)}</p>}
      </Section>
      <History plural={plural} w={w} history={history} path={path} now={props.now} error={(isDeployment ? replicaSets : revisions).error} loading={!(isDeployment ? replicaSets : revisions).state} />
    </div>
  );
}

function revisionedSummary(w: KubeObject): string {
  const s = w.status ?? {};
  if (typeof s.desiredNumberScheduled === 'number') return `${s.updatedNumberScheduled ?? 0} updated, ${s.numberReady ?? 0} ready of ${s.desiredNumberScheduled} scheduled`;
  return `${s.updatedReplicas ?? 0} updated, ${s.readyReplicas ?? 0} ready of ${w.spec?.replicas ?? 1} replicas`;
}

function DeploymentRollout(props: { d: KubeObject; replicaSets: KubeObject[]; path: string }) {
  const api = useApi();
  const { d } = props;
  const r = rollout(d, props.replicaSets);
  const [run, busy, error] = useAction();
  const name = d.metadata.name;
  const paused = !!d.spec?.paused;
  return (
    <div class="rollout" data-paused={String(paused)}>
      <Bar label={`rollout of ${name}`} value={r.current} max={Math.max(r.desired, r.current + r.old, 1)} text={rolloutText(r)}
        parts={[{ value: r.current, className: 'new', title: `${r.current} replicas of revision ${r.revision ?? '?'}` }, { value: r.old, className: 'old', title: `${r.old} replicas of older revisions` }]} />
      <p class="actions">
        {/* kubectl rollout pause/resume: spec.paused set, or removed (null) to resume. */}
        <button type="button" disabled={busy} onClick={() => run(() => api.json('PATCH', `${props.path}?fieldManager=kubectl-rollout`, {
          body: { spec: { paused: paused ? null : true } },
          contentType: 'application/strategic-merge-patch+json',
        }))}>{paused ? 'Resume' : 'Pause'}</button>
        {paused && <span class="muted"> Paused: template changes are not rolled out until resumed.</span>}
      </p>
      <ErrorLine error={error} />
    </div>
  );
}

function History(props: { plural: string; w: KubeObject; history: Revision[]; path: string; now: number; error: unknown; loading: boolean }) {
  const api = useApi();
  const { w, history } = props;
  const [run, busy, error] = useAction();
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const current = currentRevision(w, history);
  const [from, setFrom] = useState<number | undefined>(undefined);
  const [to, setTo] = useState<number | undefined>(undefined);
  const revs = history.map((h) => h.revision);
  // Unless chosen: the revision before the current one against the current one.
  const toRev = to !== undefined && revs.includes(to) ? to : current;
  const fromRev = from !== undefined && revs.includes(from) ? from : [...revs].reverse().find((r) => toRev === undefined || r < toRev);
  const word = KIND_WORD[props.plural]!;
  const ref = `${word} ${w.metadata.namespace}/${w.metadata.name}`;

  const undo = (revision: number) => {
    if (!confirm(`Roll back ${ref} to revision ${revision}?`)) return;
    setNotice(undefined);
    void run(async () => {
      const plan = props.plural === 'deployments' ? planDeploymentUndo(w, history, revision) : planRevisionUndo(w, history, revision);
      if (plan.kind === 'error') throw new Error(plan.message);
      if (plan.kind === 'skip') {
        setNotice(plan.message);
        return;
      }
      await api.json('PATCH', props.path, { body: plan.patch, contentType: 'application/json-patch+json' });
      setNotice(`${word}.apps/${w.metadata.name} rolled back to revision ${plan.revision}`);
    });
  };

  return (
    <Section title="Revision history">
      <ErrorLine error={props.error} />
      {props.loading ? <Loading what="revisions" /> : history.length === 0 ? <p class="muted">No rollout history.</p> : (
        <div>
          <table class="revisions">
            <thead><tr><th>Revision</th><th>Change cause</th><th>Images</th><th>Created</th><th>Actions</th></tr></thead>
            <tbody>
              {[...history].reverse().map((h) => (
                <tr key={h.revision} data-revision={h.revision}>
                  <td>{String(h.revision)}{h.revision === current ? ' (current)' : ''}</td>
                  <td>{h.changeCause ?? '<none>'}</td>
                  <td>{(h.template?.spec?.containers ?? []).map((c: { image?: string }) => c.image ?? '').join(', ')}</td>
                  <td>{age(h.source.metadata.creationTimestamp, props.now)}</td>
                  <td class="actions">
                    {h.revision !== current && (
                      <button type="button" disabled={busy} aria-label={`Undo to revision ${h.revision}`} onClick={() => undo(h.revision)}>Undo to this revision</button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {notice && <p role="status" class="notice">{notice}</p>}
          <ErrorLine error={error} />
          <h3>Template diff</h3>
          <div class="toolbar">
            <label>From revision <select value={String(fromRev ?? '')} onChange={(e) => setFrom(Number((e.target as HTMLSelectElement).value))}>
              {revs.map((r) => <option key={r} value={String(r)}>{String(r)}</option>)}
            </select></label>
            <label>to revision <select value={String(toRev ?? '')} onChange={(e) => setTo(Number((e.target as HTMLSelectElement).value))}>
              {revs.map((r) => <option key={r} value={String(r)}>{String(r)}</option>)}
            </select></label>
          </div>
          <TemplateDiff from={history.find((h) => h.revision === fromRev)} to={history.find((h) => h.revision === toRev)} />
        </div>
      )}
    </Section>
  );
}

function TemplateDiff(props: { from?: Revision; to?: Revision }) {
  if (!props.from || !props.to) return <p class="muted">Choose two revisions to compare.</p>;
  const diff = lineDiff(templateYaml(props.from.template), templateYaml(props.to.template));
  if (!hasChanges(diff)) return <p class="muted">Revisions {String(props.from.revision)} and {String(props.to.revision)} have the same pod template.</p>;
  return (
    <pre class="diff" tabIndex={0} aria-label={`pod template diff from revision ${props.from.revision} to ${props.to.revision}`}>
      {diff.map((l, i) => <span key={i} class={`diff-${l.kind}`}>{`${diffPrefix(l.kind)} ${l.text}\n`}</span>)}
    </pre>
  );
}
