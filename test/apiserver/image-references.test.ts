// A container image no kubelet could pull is refused at the API: 422 Invalid naming the image
// field, for pods and every pod template (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job,
// CronJob), on create and on update (`kubectl set image`); nothing is stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, deployment, pod, startTestServer, type TestServer } from './harness.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

const BAD = ['Busybox', 'busybox:ba!d', 'busybox@sha256:1234', 'busy box', 'localhost:5000/Demo:1'];
const template = (name: string, image: string) => ({
  metadata: { labels: { app: name } },
  spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image }] },
});
const workload = (kind: string, name: string, image: string): any => {
  const selector = { matchLabels: { app: name } };
  switch (kind) {
    case 'ReplicaSet':
      return { apiVersion: 'apps/v1', kind, metadata: { name }, spec: { selector, template: { ...template(name, image), spec: { containers: [{ name: 'c', image }] } } } };
    case 'DaemonSet':
      return { apiVersion: 'apps/v1', kind, metadata: { name }, spec: { selector, template: { ...template(name, image), spec: { containers: [{ name: 'c', image }] } } } };
    case 'StatefulSet':
      return { apiVersion: 'apps/v1', kind, metadata: { name }, spec: { selector, serviceName: name, template: { ...template(name, image), spec: { containers: [{ name: 'c', image }] } } } };
    case 'Job':
      return { apiVersion: 'batch/v1', kind, metadata: { name }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image }] } } } };
    case 'CronJob':
      return { apiVersion: 'batch/v1', kind, metadata: { name }, spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image }] } } } } } };
    default:
      throw new Error(kind);
  }
};
const paths: Record<string, string> = {
  Pod: '/api/v1/namespaces/default/pods',
  Deployment: '/apis/apps/v1/namespaces/default/deployments',
  ReplicaSet: '/apis/apps/v1/namespaces/default/replicasets',
  StatefulSet: '/apis/apps/v1/namespaces/default/statefulsets',
  DaemonSet: '/apis/apps/v1/namespaces/default/daemonsets',
  Job: '/apis/batch/v1/namespaces/default/jobs',
  CronJob: '/apis/batch/v1/namespaces/default/cronjobs',
};
const imageField: Record<string, string> = {
  Pod: 'spec.containers[0].image',
  Deployment: 'spec.template.spec.containers[0].image',
  ReplicaSet: 'spec.template.spec.containers[0].image',
  StatefulSet: 'spec.template.spec.containers[0].image',
  DaemonSet: 'spec.template.spec.containers[0].image',
  Job: 'spec.template.spec.containers[0].image',
  CronJob: 'spec.jobTemplate.spec.template.spec.containers[0].image',
};
const objectFor = (kind: string, name: string, image: string) => {
  if (kind === 'Pod') return { ...pod(name), spec: { containers: [{ name: 'c', image }] } };
  if (kind === 'Deployment') {
    const d = deployment(name);
    d.spec.template.spec.containers[0].image = image;
    return d;
  }
  return workload(kind, name, image);
};

function expectInvalidImage(reply: { status: number; body: any }, kind: string, image: string): void {
  expect(reply.status, JSON.stringify(reply.body)).toBe(422);
  expect(reply.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Invalid', code: 422 });
  expect(reply.body.details.causes).toEqual([expect.objectContaining({ reason: 'FieldValueInvalid', field: imageField[kind] })]);
  expect(reply.body.message).toContain(`${imageField[kind]}: Invalid value: "${image}": must be a valid image reference`);
}

describe('malformed image references are 422 Invalid', () => {
  for (const kind of Object.keys(paths)) {
    it(`${kind}: refused on create, nothing stored; a good reference is accepted`, async () => {
      const name = `bad-${kind.toLowerCase()}`;
      for (const image of BAD) {
        expectInvalidImage(await call(t.url, 'POST', paths[kind]!, objectFor(kind, name, image)), kind, image);
        expect((await call(t.url, 'GET', `${paths[kind]}/${name}`)).status).toBe(404);
      }
      const ok = await call(t.url, 'POST', paths[kind]!, objectFor(kind, name, 'localhost:5000/demo:1'));
      expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    });
  }

  it('refuses an update to a malformed image (kubectl set image), keeping the old one', async () => {
    // kubectl set image sends a strategic merge patch of the container's image.
    const patch = { spec: { containers: [{ name: 'c', image: 'localhost:5000/demo:BAD TAG' }] } };
    const r = await call(t.url, 'PATCH', `${paths.Pod}/bad-pod`, patch, { 'Content-Type': 'application/strategic-merge-patch+json' });
    expectInvalidImage(r, 'Pod', 'localhost:5000/demo:BAD TAG');
    const d = await call(t.url, 'PATCH', `${paths.Deployment}/bad-deployment`, { spec: { template: { spec: { containers: [{ name: 'c', image: 'demo@sha256:00' }] } } } }, { 'Content-Type': 'application/strategic-merge-patch+json' });
    expectInvalidImage(d, 'Deployment', 'demo@sha256:00');
    expect((await call(t.url, 'GET', `${paths.Pod}/bad-pod`)).body.spec.containers[0].image).toBe('localhost:5000/demo:1');
    expect((await call(t.url, 'GET', `${paths.Deployment}/bad-deployment`)).body.spec.template.spec.containers[0].image).toBe('localhost:5000/demo:1');
  });
});
