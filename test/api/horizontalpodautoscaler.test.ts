// autoscaling/v2 HorizontalPodAutoscaler defaults and validation (Kubernetes' words at its
// field paths), and the autoscaling/v1 view: what fits v1's spec converts to its fields, the
// rest rides in annotations, and a v1 round trip gives back the same v2 object.
import { describe, expect, it } from 'vitest';
import { defaultHorizontalPodAutoscaler, hpaFromV1, hpaToV1, type HorizontalPodAutoscaler } from '../../api/autoscaling/index.js';
import { validateHorizontalPodAutoscaler } from '../../api/autoscaling/horizontalpodautoscaler-validation.js';

const base = () => ({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'default' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5 } }) as Record<string, any>;

describe('HorizontalPodAutoscaler defaults', () => {
  it('minReplicas 1 and cpu at 80% when no metric is named; behavior only when given', () => {
    const h = base();
    defaultHorizontalPodAutoscaler(h);
    expect(h.spec.minReplicas).toBe(1);
    expect(h.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
    expect(h.spec.behavior).toBeUndefined();
    const b = base();
    b.spec.behavior = { scaleDown: { policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } };
    defaultHorizontalPodAutoscaler(b);
    expect(b.spec.behavior.scaleDown).toEqual({ policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }], stabilizationWindowSeconds: 300, selectPolicy: 'Max' });
    expect(b.spec.behavior.scaleUp.policies).toHaveLength(2);
  });
});

describe('HorizontalPodAutoscaler validation', () => {
  const errs = (mutate: (h: Record<string, any>) => void) => {
    const h = base();
    mutate(h);
    defaultHorizontalPodAutoscaler(h);
    return validateHorizontalPodAutoscaler(h).map((e) => `${e.field}: ${e.message}`);
  };
  it('accepts a good one', () => expect(errs(() => {})).toEqual([]));
  it('maxReplicas 0: below 1 and below minReplicas', () => {
    expect(errs((h) => { h.spec.maxReplicas = 0; })).toEqual(['spec.maxReplicas: Invalid value: 0: must be greater than 0', 'spec.maxReplicas: Invalid value: 0: must be greater than or equal to `minReplicas`']);
  });
  it.each([
    ['maxReplicas below minReplicas', (h: any) => { h.spec.minReplicas = 3; h.spec.maxReplicas = 2; }, 'spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`'],
    ['no target name', (h: any) => { h.spec.scaleTargetRef.name = ''; }, 'spec.scaleTargetRef.name: Required value'],
    ['a target name with a slash', (h: any) => { h.spec.scaleTargetRef.name = 'a/b'; }, 'spec.scaleTargetRef.name: Invalid value: "a/b": may not contain \'/\''],
    ['no target at all', (h: any) => { h.spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization' } } }]; }, 'spec.metrics[0].resource.target.averageUtilization: Required value: must set either a target raw value or a target utilization'],
    ['both targets', (h: any) => { h.spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50, averageValue: '100m' } } }]; }, 'spec.metrics[0].resource.target.averageValue: Invalid value: "100m": may not set both a target raw value and a target utilization'],
    ['a zero utilization', (h: any) => { h.spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 0 } } }]; }, 'spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0'],
    ['an unknown target type', (h: any) => { h.spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Percent', averageUtilization: 5 } } }]; }, 'spec.metrics[0].resource.target.type: Invalid value: "Percent": must be either Utilization, Value, or AverageValue'],
    ['a resource that is not one', (h: any) => { h.spec.metrics = [{ type: 'Resource', resource: { name: 'gpu', target: { type: 'Utilization', averageUtilization: 5 } } }]; }, 'spec.metrics[0].resource.name: Invalid value: "gpu": must be a standard resource for containers'],
    ['a resource metric without its source', (h: any) => { h.spec.metrics = [{ type: 'Resource' }]; }, 'spec.metrics[0].resource: Required value: must populate information for the given metric source'],
    ['a window over an hour', (h: any) => { h.spec.behavior = { scaleUp: { stabilizationWindowSeconds: 3601 } }; }, 'spec.behavior.scaleUp.stabilizationWindowSeconds: Invalid value: 3601: must be less than or equal to 3600'],
    ['a period over 30 minutes', (h: any) => { h.spec.behavior = { scaleDown: { policies: [{ type: 'Pods', value: 1, periodSeconds: 1801 }] } }; }, 'spec.behavior.scaleDown.policies[0].periodSeconds: Invalid value: 1801: must be less than or equal to 1800'],
    ['an empty policy list', (h: any) => { h.spec.behavior = { scaleDown: { policies: [] } }; }, 'spec.behavior.scaleDown.policies: Required value: must specify at least one Policy'],
    ['an unknown policy type', (h: any) => { h.spec.behavior = { scaleUp: { policies: [{ type: 'Nodes', value: 1, periodSeconds: 15 }] } }; }, 'spec.behavior.scaleUp.policies[0].type: Unsupported value: "Nodes": supported values: "Percent", "Pods"'],
  ])('%s', (_n, mutate, expected) => {
    expect(errs(mutate)).toEqual([expected]);
  });
});

describe('the autoscaling/v1 view', () => {
  const full = (): HorizontalPodAutoscaler => {
    const h = base();
    h.spec.metrics = [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } },
    ];
    h.spec.behavior = { scaleDown: { stabilizationWindowSeconds: 30 } };
    defaultHorizontalPodAutoscaler(h);
    h.status = {
      currentReplicas: 2, desiredReplicas: 3, lastScaleTime: '2026-12-06T00:00:00Z',
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 72, averageValue: '72m' } } }, { type: 'Resource', resource: { name: 'memory', current: { averageValue: '90Mi' } } }],
      conditions: [{ type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size', lastTransitionTime: '2026-12-06T00:00:00Z' }],
    };
    return h as HorizontalPodAutoscaler;
  };

  it('puts the cpu target in targetCPUUtilizationPercentage and the rest in annotations', () => {
    const v1 = hpaToV1(full());
    expect(v1.apiVersion).toBe('autoscaling/v1');
    expect(v1.spec).toEqual({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50 });
    expect(v1.status).toEqual({ lastScaleTime: '2026-12-06T00:00:00Z', currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 72 });
    expect(Object.keys(v1.metadata.annotations ?? {}).sort()).toEqual(['autoscaling.alpha.kubernetes.io/behavior', 'autoscaling.alpha.kubernetes.io/conditions', 'autoscaling.alpha.kubernetes.io/current-metrics', 'autoscaling.alpha.kubernetes.io/metrics']);
  });

  it('a v1 round trip loses nothing', () => {
    const h = full();
    const back = hpaFromV1(JSON.parse(JSON.stringify(hpaToV1(h))));
    // The cpu current metric comes back from currentCPUUtilizationPercentage (v1 has no averageValue for it).
    const expected = structuredClone(h);
    expected.status!.currentMetrics![0] = { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 72 } } };
    expect(back).toEqual(expected);
  });

  it('a plain v1 object (kubectl autoscale) converts to a cpu Utilization metric', () => {
    const v2 = hpaFromV1({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' }, maxReplicas: 3, targetCPUUtilizationPercentage: 40 } });
    expect(v2).toEqual({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' }, maxReplicas: 3, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 40 } } }] } });
  });
});
