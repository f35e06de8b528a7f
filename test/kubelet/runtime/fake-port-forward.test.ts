// The fake runtime runs no processes, so port-forward must fail with a reason, not hang or
// pretend to connect.
import { describe, expect, it } from 'vitest';
import { FakeRuntime } from '../../../kubelet/runtime/fake.js';

describe('FakeRuntime.portForward', () => {
  it('refuses with a clear error', async () => {
    const rt = new FakeRuntime('10.88.0');
    const sb = await rt.runPodSandbox({ podUid: 'u', namespace: 'default', name: 'p', hostname: 'p', hostNetwork: false, portMappings: [], labels: {} });
    await expect(rt.portForward(sb.id, 80)).rejects.toThrow('the fake runtime runs no processes, so nothing listens on port 80');
  });
});
