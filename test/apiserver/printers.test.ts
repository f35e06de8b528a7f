import { describe, expect, it } from 'vitest';
import { columnsFor, podStatusReason, toTable, wantsTable } from '../../apiserver/printers.js';
import { humanDuration } from '../../api/duration.js';
import { formatLabelSelector } from '../../api/labels.js';
import { resourceByKind } from '../../api/resources.js';
import type { Pod } from '../../api/core/index.js';

const podInfo = resourceByKind('Pod')!;
const deployInfo = resourceByKind('Deployment')!;
const NOW = Date.parse('2026-01-01T12:00:00Z');

function pod(status: Pod['status'], extra: Partial<Pod['metadata']> = {}): Pod {
  return {
    metadata: { name: 'web-1', namespace: 'default', creationTimestamp: '2026-01-01T11:55:00Z', ...extra },
    spec: { containers: [{ name: 'app', image: 'host' }] },
    status,
  };
}

describe('humanDuration (kubectl AGE)', () => {
  it.each([
    [5_000, '5s'], [119_000, '119s'], [125_000, '2m5s'], [600_000, '10m'], [3 * 3600_000 + 60_000, '3h1m'],
    [10 * 3600_000, '10h'], [50 * 3600_000, '2d2h'], [30 * 24 * 3600_000, '30d'], [-5_000, '<invalid>'],
  ])('%d ms → %s', (ms, text) => expect(humanDuration(ms)).toBe(text));
});

describe('pod STATUS column', () => {
  it('is the phase for a plain running pod, with ready counts', () => {
    const s = podStatusReason(pod({ phase: 'Running', containerStatuses: [{ name: 'app', ready: true, restartCount: 0, image: 'host', imageID: '', state: { running: {} } }] }));
    expect(s).toMatchObject({ reason: 'Running', ready: 1, total: 1, restarts: 0 });
  });
  it('shows a waiting reason such as CrashLoopBackOff and counts restarts', () => {
    const s = podStatusReason(pod({ phase: 'Running', containerStatuses: [{ name: 'app', ready: false, restartCount: 3, image: 'host', imageID: '', state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, finishedAt: '2026-01-01T11:59:00Z' } } }] }));
    expect(s).toMatchObject({ reason: 'CrashLoopBackOff', ready: 0, restarts: 3, lastRestart: '2026-01-01T11:59:00Z' });
  });
  it('shows Init:0/1 while an init container runs, and Terminating once deleted', () => {
    const p = pod({ phase: 'Pending', initContainerStatuses: [{ name: 'init', ready: false, restartCount: 0, image: 'host', imageID: '', state: { running: {} } }] });
    p.spec.initContainers = [{ name: 'init' }];
    expect(podStatusReason(p).reason).toBe('Init:0/1');
    expect(podStatusReason(pod({ phase: 'Running' }, { deletionTimestamp: '2026-01-01T12:00:00Z' })).reason).toBe('Terminating');
  });
  it('renders ExitCode:N for a terminated container without a reason', () => {
    expect(podStatusReason(pod({ phase: 'Failed', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, image: 'host', imageID: '', state: { terminated: { exitCode: 2 } } }] })).reason).toBe('ExitCode:2');
  });
});

describe('toTable', () => {
  it('renders kubectl pod columns with wide columns at priority 1 and metadata rows', () => {
    const t = toTable(podInfo, [pod({ phase: 'Running', podIP: '10.244.0.5' })], { resourceVersion: '42', now: NOW });
    expect(t.kind).toBe('Table');
    expect(t.metadata.resourceVersion).toBe('42');
    expect(t.columnDefinitions.filter((c) => c.priority === 0).map((c) => c.name)).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age']);
    expect(t.columnDefinitions.filter((c) => c.priority === 1).map((c) => c.name)).toEqual(['IP', 'Node', 'Nominated Node', 'Readiness Gates']);
    expect(t.rows[0]!.cells.slice(0, 6)).toEqual(['web-1', '0/1', 'Running', '0', '5m', '10.244.0.5']);
    expect(t.rows[0]!.object).toMatchObject({ kind: 'PartialObjectMetadata', metadata: { name: 'web-1' } });
  });
  it('renders deployments as READY UP-TO-DATE AVAILABLE with the selector in wide output', () => {
    const t = toTable(deployInfo, [{
      metadata: { name: 'web', creationTimestamp: '2026-01-01T11:00:00Z' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { spec: { containers: [{ name: 'app', image: 'host' }] } } },
      status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    }], { now: NOW });
    expect(t.rows[0]!.cells).toEqual(['web', '2/3', 3, 2, '60m', 'app', 'host', 'app=web']);
  });
  it('can leave out headers for watch events after the first', () => {
    expect(toTable(podInfo, [], { noHeaders: true }).columnDefinitions).toEqual([]);
    expect(columnsFor(podInfo).length).toBe(9);
  });
});

describe('content negotiation and selectors', () => {
  it('recognises the Accept header kubectl sends for tables', () => {
    expect(wantsTable('application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json')).toBe(true);
    expect(wantsTable('application/json')).toBe(false);
    expect(wantsTable(undefined)).toBe(false);
  });
  it('formats label selectors like metav1.FormatLabelSelector', () => {
    expect(formatLabelSelector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }, { key: 'x', operator: 'DoesNotExist' }] })).toBe('app=web,tier in (a,b),!x');
    expect(formatLabelSelector({})).toBe('<none>');
  });
});

describe('endpoints columns (kubectl get endpoints / endpointslices)', () => {
  const meta = { name: 'web', namespace: 'default', creationTimestamp: '2026-01-01T11:55:00Z' };
  it('lists ready ip:port pairs, at most three then "+ N more..."', () => {
    const ep = { metadata: meta, subsets: [{ addresses: ['1', '2', '3', '4'].map((n) => ({ ip: `10.0.0.${n}` })), notReadyAddresses: [{ ip: '10.0.0.9' }], ports: [{ port: 8080 }] }] };
    const t = toTable(resourceByKind('Endpoints')!, [ep], { now: NOW });
    expect(t.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Endpoints', 'Age']);
    expect(t.rows[0]!.cells).toEqual(['web', '10.0.0.1:8080,10.0.0.2:8080,10.0.0.3:8080 + 1 more...', '5m']);
  });
  it('shows a slice\'s address type, ports and addresses', () => {
    const slice = { metadata: meta, addressType: 'IPv4', ports: [{ name: 'http', port: 8080 }], endpoints: [{ addresses: ['10.0.0.1'] }] };
    const t = toTable(resourceByKind('EndpointSlice')!, [slice], { now: NOW });
    expect(t.rows[0]!.cells).toEqual(['web', 'IPv4', '8080', '10.0.0.1', '5m']);
  });
});
