// A live kubelet corrects a node status that someone else changed — the node lifecycle
// controller's Ready=Unknown after a short outage — on its next status tick (10 s), not at its
// next heartbeat (60 s). Today it does so because every tick writes the status it computes
// (the API server drops the write when nothing changed); an optimisation that skips those writes
// must compare with the Node as the API server has it, or this test fails.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Node } from '../../api/core/index.js';
import { client, removeDir, startApiServer, startKubelet, suffix, tempDir, waitFor, type Proc } from './harness.js';

let api: { proc: Proc; url: string; dir: string } | undefined;
let kubelet: Proc | undefined;
let root: string | undefined;
const nodeName = `recover-${suffix()}`;

beforeAll(async () => {
  api = await startApiServer();
  root = tempDir('kubelet-root');
  kubelet = await startKubelet(api.url, nodeName, root, ['--runtime', 'fake']);
});

afterAll(async () => {
  await kubelet?.stop();
  await api?.proc.stop();
  removeDir(root);
  removeDir(api?.dir);
});

const readyOf = (n: Node) => n.status?.conditions?.find((c) => c.type === 'Ready');

it('puts Ready back to True after another writer marked the node Unknown', async () => {
  const c = client(api!.url);
  // Wait until the kubelet has settled: no status write for more than one 10 s tick, so the
  // next write it makes on its own is the 60 s heartbeat.
  let last = { rv: '', since: Date.now() };
  const node = await waitFor('the node to be Ready and its status to settle', async () => {
    const n = await c.nodes().get(nodeName);
    if (n.metadata.resourceVersion !== last.rv) last = { rv: n.metadata.resourceVersion!, since: Date.now() };
    return readyOf(n)?.status === 'True' && Date.now() - last.since > 12_000 ? n : undefined;
  }, 90_000, 1_000);
  const marked = structuredClone(node);
  Object.assign(readyOf(marked)!, { status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
  await c.nodes().updateStatus(marked);
  expect(readyOf(await c.nodes().get(nodeName))?.status).toBe('Unknown');

  // The heartbeat is due at most 60 − 12 s from here; a 30 s deadline is well inside it, so only
  // the per-tick write corrects it in time.
  const healed = await waitFor('the kubelet to report Ready again', async () => {
    const n = await c.nodes().get(nodeName);
    return readyOf(n)?.status === 'True' ? n : undefined;
  }, 30_000);
  expect(readyOf(healed)?.reason).toBe('KubeletReady');
});
