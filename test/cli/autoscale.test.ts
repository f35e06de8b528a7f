// kctl autoscale's HPA and flag checks, `describe hpa`, and the TARGETS cell of `get hpa`
// (kubectl's formatHPAMetrics) — pure pieces, no server.
import { describe, expect, it } from 'vitest';
import type { HorizontalPodAutoscaler } from '../../api/autoscaling/index.js';
import { formatHPAMetrics } from '../../apiserver/printers.js';
import { autoscalerFor, validateAutoscaleFlags } from '../../cli/kctl/autoscale.js';
import { describeHorizontalPodAutoscaler } from '../../cli/kctl/describe.js';

const target = { kind: 'Deployment', apiVersion: 'apps/v1', name: 'web' };

describe('kctl autoscale', () => {
  it('builds kubectl\'s HPA: named after the target, flags left out stay unset', () => {
    expect(autoscalerFor(target, 'ns', { min: 2, max: 10, cpuPercent: 50 })).toEqual({
      apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'ns' },
      spec: { scaleTargetRef: target, minReplicas: 2, maxReplicas: 10, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] },
    });
    expect(autoscalerFor(target, 'ns', { name: 'other', min: -1, max: 3, cpuPercent: -1 })).toEqual({
      apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'other', namespace: 'ns' }, spec: { scaleTargetRef: target, maxReplicas: 3 },
    });
  });
  it('checks --max and --min as kubectl does', () => {
    expect(validateAutoscaleFlags(-1, -1)).toBe('--max=MAXPODS is required and must be at least 1, max: -1');
    expect(validateAutoscaleFlags(5, 3)).toBe('--max=MAXPODS must be larger or equal to --min=MINPODS, max: 3, min: 5');
    expect(validateAutoscaleFlags(-1, 3)).toBeUndefined();
  });
});

const hpa = (): HorizontalPodAutoscaler => ({
  apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web', namespace: 'default', creationTimestamp: '2026-12-06T00:00:00Z' },
  spec: {
    scaleTargetRef: target, minReplicas: 1, maxReplicas: 10,
    metrics: [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } },
    ],
    behavior: { scaleDown: { stabilizationWindowSeconds: 30, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] } },
  },
  status: {
    currentReplicas: 3, desiredReplicas: 4,
    currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 72, averageValue: '72m' } } }, { type: 'Resource', resource: { name: 'memory', current: { averageValue: '90Mi' } } }],
    conditions: [{ type: 'AbleToScale', status: 'True', reason: 'SucceededRescale', message: 'the HPA controller was able to update the target scale to 4' }],
  },
});

describe('TARGETS', () => {
  it('prints each metric current/target, the first two, then how many more', () => {
    expect(formatHPAMetrics(hpa())).toBe('cpu: 72%/50%, memory: 90Mi/100Mi');
    const h = hpa();
    h.status = { desiredReplicas: 0 };
    expect(formatHPAMetrics(h)).toBe('cpu: <unknown>/50%, memory: <unknown>/100Mi');
    h.spec.metrics!.push({ type: 'Resource', resource: { name: 'ephemeral-storage', target: { type: 'AverageValue', averageValue: '1Gi' } } });
    expect(formatHPAMetrics(h)).toBe('cpu: <unknown>/50%, memory: <unknown>/100Mi + 1 more...');
    h.spec.metrics = [];
    expect(formatHPAMetrics(h)).toBe('<none>');
  });
});

describe('describe hpa', () => {
  it('shows the target, metrics, bounds, behavior, replicas and conditions', () => {
    const out = describeHorizontalPodAutoscaler(hpa());
    expect(out).toMatch(/^Reference:\s+Deployment\/web$/m);
    expect(out).toMatch(/^Metrics:\s+\( current \/ target \)$/m);
    expect(out).toMatch(/^ {2}resource cpu on pods {2}\(as a percentage of request\):\s+72% \(72m\) \/ 50%$/m);
    expect(out).toMatch(/^ {2}resource memory on pods:\s+90Mi \/ 100Mi$/m);
    expect(out).toMatch(/^Min replicas:\s+1$/m);
    expect(out).toMatch(/^Max replicas:\s+10$/m);
    expect(out).toMatch(/^ {2}Scale Down:\n {4}Stabilization Window: 30 seconds\n {4}Select Policy: Max\n {4}Policies:\n {6}- Type: Percent\s+Value: 100\s+Period: 15 seconds$/m);
    expect(out).toMatch(/^Deployment pods:\s+3 current \/ 4 desired$/m);
    expect(out).toMatch(/^ {2}AbleToScale\s+True\s+SucceededRescale\s+the HPA controller was able to update the target scale to 4$/m);
  });
});
