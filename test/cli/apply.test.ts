import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/meta.js';
import { LAST_APPLIED_ANNOTATION, planApply, withLastApplied } from '../../cli/kctl/apply.js';

const file = (): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web', tier: 'front' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'host', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }] },
    },
  },
});

/** What the server would hold after creating `body`: defaults, status and server fields added. */
function live(body: KubeObject): KubeObject {
  const o = structuredClone(body) as KubeObject & { spec: Record<string, unknown> };
  o.metadata = { ...o.metadata, namespace: 'default', uid: 'u1', resourceVersion: '5', generation: 1, creationTimestamp: '2026-01-01T00:00:00Z' };
  o.spec.revisionHistoryLimit = 10;
  o.status = { replicas: 2 };
  return o;
}

describe('withLastApplied', () => {
  it('records the file object itself (without the annotation) as JSON', () => {
    const m = withLastApplied(file());
    const recorded = JSON.parse(m.metadata.annotations![LAST_APPLIED_ANNOTATION]!);
    expect(recorded).toEqual(file());
    expect(withLastApplied(m).metadata.annotations![LAST_APPLIED_ANNOTATION]).toBe(m.metadata.annotations![LAST_APPLIED_ANNOTATION]);
  });
});

describe('planApply', () => {
  it('creates a missing object, carrying the annotation', () => {
    const plan = planApply(file(), undefined);
    expect(plan.action).toBe('create');
    if (plan.action === 'create') expect(plan.body.metadata.annotations?.[LAST_APPLIED_ANNOTATION]).toBeDefined();
  });

  it('does nothing when the file has not changed since the last apply (server defaults and status untouched)', () => {
    const created = planApply(file(), undefined);
    if (created.action !== 'create') throw new Error('expected create');
    expect(planApply(file(), live(created.body))).toEqual({ action: 'unchanged' });
  });

  it('removes what was removed from the file: a label (null) and a list element ($patch: delete)', () => {
    const created = planApply(file(), undefined);
    if (created.action !== 'create') throw new Error('expected create');
    const next = file();
    delete next.metadata.labels!.tier;
    (next.spec as { template: { spec: { containers: { env: unknown[] }[] } } }).template.spec.containers[0]!.env = [{ name: 'B', value: '2' }];
    const plan = planApply(next, live(created.body));
    expect(plan.action).toBe('patch');
    if (plan.action !== 'patch') return;
    const p = plan.patch as { metadata: { labels: Record<string, unknown>; annotations: Record<string, string> }; spec: { template: { spec: { containers: { env: unknown[]; name: string }[] } } } };
    expect(p.metadata.labels).toEqual({ tier: null });
    expect(p.metadata.annotations[LAST_APPLIED_ANNOTATION]).toContain('"B"');
    const env = p.spec.template.spec.containers[0]!.env;
    expect(env).toContainEqual({ $patch: 'delete', name: 'A' });
    // Fields the file never set (revisionHistoryLimit default, status) are not touched.
    expect(JSON.stringify(plan.patch)).not.toContain('revisionHistoryLimit');
    expect(JSON.stringify(plan.patch)).not.toContain('status');
  });

  it('sets changed fields back to the file, and leaves fields others own alone when the file omits them', () => {
    const created = planApply(file(), undefined);
    if (created.action !== 'create') throw new Error('expected create');
    const cur = live(created.body) as KubeObject & { spec: { replicas: number } };
    cur.spec.replicas = 7; // someone scaled it; the file still says 2
    const plan = planApply(file(), cur);
    expect(plan).toMatchObject({ action: 'patch', patch: { spec: { replicas: 2 } } });
    const noReplicas = file();
    delete (noReplicas.spec as { replicas?: number }).replicas;
    const cur2 = live(withLastApplied(noReplicas)) as KubeObject & { spec: { replicas: number } };
    cur2.spec.replicas = 7;
    expect(planApply(noReplicas, cur2)).toEqual({ action: 'unchanged' });
  });

  it('treats an object never applied (no annotation) as having nothing to delete', () => {
    const cur = live(file());
    const plan = planApply(file(), cur);
    expect(plan.action).toBe('patch'); // only the annotation is added
    if (plan.action === 'patch') expect(Object.keys(plan.patch)).toEqual(['metadata']);
  });
});
