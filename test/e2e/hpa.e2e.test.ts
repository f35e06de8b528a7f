// The HorizontalPodAutoscaler walkthrough over `skiff up` with real processes: a web server that
// burns CPU per request (manifests/hpa-demo.yaml), real cgroup CPU usage scraped by the API
// server, a load generator calling its Service by name (manifests/hpa-load.yaml). Under load the
// HPA scales it up from 1; when the load goes it comes back to 1 after its 30 s window.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, isolatedServiceNetwork, ROOT, until } from './cluster.js';

interface DeploymentView { spec: { replicas: number }; status?: { readyReplicas?: number } }

describe('the HPA scales a CPU-bound Deployment under real load', () => {
  const cluster = new Cluster({ nodes: 1, runtime: 'process' });
  beforeAll(async () => { await cluster.up(isolatedServiceNetwork()); }, 180_000);
  afterAll(() => cluster.destroy());
  const burner = async (): Promise<DeploymentView> => JSON.parse(await cluster.ok(['get', 'deployment', 'cpu-burner', '-o', 'json']));

  it('scales up under load and back to 1 after the load stops', async () => {
    await cluster.ok(['apply', '-f', path.join(ROOT, 'manifests/hpa-demo.yaml')]);
    await until('cpu-burner Ready and measured', async () => {
      const d = await burner();
      const hpa = await cluster.ok(['get', 'hpa', 'cpu-burner']);
      return d.status?.readyReplicas === 1 && /cpu: \d+%\/50%/.test(hpa);
    }, 120_000);
    await cluster.ok(['apply', '-f', path.join(ROOT, 'manifests/hpa-load.yaml')]);
    const up = await until('scaled up under load, the new pods Ready', async () => {
      const d = await burner();
      return d.spec.replicas > 1 && d.status?.readyReplicas === d.spec.replicas ? d : undefined;
    }, 240_000);
    expect(up.spec.replicas).toBeLessThanOrEqual(4);
    const described = await cluster.ok(['describe', 'hpa', 'cpu-burner']);
    expect(described).toMatch(/SuccessfulRescale\s+.*New size: \d; reason: cpu resource utilization \(percentage of request\) above target/);
    await cluster.ok(['delete', '-f', path.join(ROOT, 'manifests/hpa-load.yaml')]);
    await until('back to 1 replica after the load stopped', async () => (await burner()).spec.replicas === 1, 300_000);
    expect(await cluster.ok(['describe', 'hpa', 'cpu-burner'])).toMatch(/New size: 1; reason: All metrics below target/);
  }, 700_000);
});
