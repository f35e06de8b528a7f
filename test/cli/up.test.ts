import { describe, expect, it } from 'vitest';
import { describeTopology, freshlyReadyNodes, identityOf, parseUpFlags } from '../../cli/up.js';
import { chooseApiserverPorts, chooseEtcdPorts, etcdArgs, planCluster, proxyTableName, serviceIP, SHUTDOWN_ORDER, type PlanInput } from '../../cli/up/plan.js';
import { userKubeconfigPath } from '../../cli/up/kubeconfig.js';
import { Progress } from '../../cli/up/progress.js';
import { restartDelayMs } from '../../cli/up/supervisor.js';
import { expandHome, portFree, freePort } from '../../cli/up/data-dir.js';
import net from 'node:net';

describe('parseUpFlags', () => {
  it('defaults: 2 nodes, process runtime, port 6443, ~/.skiff', () => {
    expect(parseUpFlags([], { HOME: '/home/u' })).toEqual({
      nodes: 2, runtime: 'process', port: 6443, dataDir: '/home/u/.skiff', nodePrefix: 'node-',
      storage: 'embedded', apiservers: 1, etcdMembers: 1, ha: false, controllerManagerArgs: [], etcdBin: '/usr/bin/etcd',
      serviceCidr: '10.96.0.0/12', nodePortRange: '30000-32767', bindAddress: '0.0.0.0',
    });
    expect(parseUpFlags(['--advertise-address', '192.168.7.7'], {})).toMatchObject({ bindAddress: '0.0.0.0', advertiseAddress: '192.168.7.7' });
    expect(parseUpFlags(['--bind-address', '127.0.0.1'], {})).toMatchObject({ bindAddress: '127.0.0.1' });
    expect(() => parseUpFlags(['--bind-address', '10.0.0.1'], {})).toThrow('--bind-address must be 0.0.0.0 (every interface) or 127.0.0.1 (loopback only), got "10.0.0.1"');
    expect(() => parseUpFlags(['--advertise-address', 'myhost'], {})).toThrow('--advertise-address must be an IP address, got "myhost"');
    expect(() => parseUpFlags(['--bind-address', '127.0.0.1', '--advertise-address', '192.168.7.7'], {})).toThrow(/needs --bind-address 0.0.0.0/);
    expect(() => parseUpFlags(['--service-cidr', '10.96.0.0'], {})).toThrow('--service-cidr must be an IPv4 CIDR from /8 to /27 like 10.96.0.0/12, got "10.96.0.0"');
    expect(() => parseUpFlags(['--service-node-port-range', '32000-31000'], {})).toThrow(/--service-node-port-range must be like 30000-32767/);
  });
  it('reads flags and refuses bad values plainly', () => {
    expect(parseUpFlags(['--nodes', '3', '--runtime', 'fake', '--port', '7000', '--data-dir', '/tmp/x', '--node-prefix', 'e2e-ab-'], {})).toMatchObject({
      nodes: 3, runtime: 'fake', port: 7000, dataDir: '/tmp/x', nodePrefix: 'e2e-ab-',
    });
    expect(() => parseUpFlags(['--node-prefix', 'Bad_'], {})).toThrow(/--node-prefix must be/);
    expect(() => parseUpFlags(['--nodes', '0'], {})).toThrow('--nodes must be a whole number from 1 to 500, got "0"');
    expect(() => parseUpFlags(['--runtime', 'lxc'], {})).toThrow('--runtime must be one of process, fake, docker, got "lxc"');
    expect(() => parseUpFlags(['--port', '99999'], {})).toThrow(/--port must be a port number/);
    expect(() => parseUpFlags(['--bogus'], {})).toThrow(/Unknown option '--bogus'/);
    expect(parseUpFlags(['--help'], {})).toBe('help');
  });
});

describe('parseUpFlags: storage, API servers, HA', () => {
  it('reads --storage etcd --apiservers 2 --ha and the lease timings', () => {
    expect(
      parseUpFlags(['--storage', 'etcd', '--apiservers', '2', '--ha', '--leader-elect-lease-duration', '4s', '--leader-elect-retry-period', '500ms'], { HOME: '/h', ETCD_BIN: '/opt/etcd' }),
    ).toMatchObject({
      storage: 'etcd', apiservers: 2, ha: true, etcdBin: '/opt/etcd',
      controllerManagerArgs: ['--leader-elect-lease-duration', '4s', '--leader-elect-retry-period', '500ms'],
    });
  });
  it('refuses several API servers on the embedded store, plainly', () => {
    expect(() => parseUpFlags(['--apiservers', '2'], {})).toThrow(
      '--apiservers 2 needs --storage etcd: the embedded store allows one API server per data dir. Run: skiff up --storage etcd --apiservers 2',
    );
    expect(() => parseUpFlags(['--storage', 'embedded', '--apiservers', '3'], {})).toThrow(/embedded store allows one API server per data dir/);
    // --ha alone is fine on the embedded store: controllers elect over the one API server.
    expect(parseUpFlags(['--ha'], {})).toMatchObject({ storage: 'embedded', apiservers: 1, ha: true });
  });
  it('refuses bad values', () => {
    expect(() => parseUpFlags(['--storage', 'sqlite'], {})).toThrow('--storage must be embedded or etcd, got "sqlite"');
    expect(() => parseUpFlags(['--storage', 'etcd', '--apiservers', '0'], {})).toThrow('--apiservers must be a whole number from 1 to 9, got "0"');
    expect(() => parseUpFlags(['--storage', 'etcd', '--apiservers', 'two'], {})).toThrow(/--apiservers must be/);
    expect(() => parseUpFlags(['--etcd-members', '3'], {})).toThrow('--etcd-members needs --storage etcd');
    expect(() => parseUpFlags(['--storage', 'etcd', '--etcd-members', '2'], {})).toThrow(/--etcd-members must be 1, 3 or 5/);
    expect(parseUpFlags(['--storage', 'etcd', '--etcd-members', '3'], {})).toMatchObject({ etcdMembers: 3 });
    expect(() => parseUpFlags(['--leader-elect-lease-duration', '15'], {})).toThrow('--leader-elect-lease-duration must be a duration like 15s, 500ms or 1m, got "15"');
  });
  it('describes the topology in one line', () => {
    expect(describeTopology({ storage: 'embedded', apiservers: 1, ha: false })).toBe('embedded storage, 1 API server, 1 controller-manager, 1 scheduler');
    expect(describeTopology({ storage: 'etcd', apiservers: 2, ha: true })).toBe('etcd storage, 2 API servers, HA controllers (2 controller-managers, 2 schedulers)');
    expect(describeTopology({ storage: 'etcd', etcdMembers: 3, apiservers: 2, ha: false })).toBe('etcd storage (3 members), 2 API servers, 1 controller-manager, 1 scheduler');
  });
});

describe('planCluster', () => {
  const base: PlanInput = {
    storage: 'embedded', nodes: 2, runtime: 'fake', nodePrefix: 'node-', ha: false, apiserverPorts: [6443],
    dirs: { root: '/d', apiserver: '/d/apiserver', etcd: '/d/etcd', nodes: '/d/nodes', pki: '/d/pki', kubeconfigs: '/d/kubeconfigs' },
    serviceCidr: '10.96.0.0/12', nodePortRange: '30000-32767', proxyTable: 'skiff-0123abcd',
  };
  const brief = (p: ReturnType<typeof planCluster>) => p.processes.map((x) => `${x.role}:${x.name}`);

  it('default: one API server on the embedded store, one of each controller, a kubelet per node, the node proxy', () => {
    const plan = planCluster(base);
    expect(brief(plan)).toEqual([
      'apiserver:apiserver', 'controller-manager:controller-manager', 'scheduler:scheduler', 'kubelet:kubelet-node-1', 'kubelet:kubelet-node-2', 'proxy:proxy', 'dns:dns',
    ]);
    expect(plan.servers).toEqual(['https://127.0.0.1:6443']);
    expect(plan.processes[0]!.args).toEqual([
      'apiserver', '--port', '6443', '--data-dir', '/d/apiserver',
      '--tls-cert-file', '/d/pki/apiserver.crt', '--tls-private-key-file', '/d/pki/apiserver.key', '--client-ca-file', '/d/pki/ca.crt',
      '--kubelet-client-certificate', '/d/pki/apiserver-kubelet-client.crt', '--kubelet-client-key', '/d/pki/apiserver-kubelet-client.key',
      '--kubelet-certificate-authority', '/d/pki/ca.crt',
      '--requestheader-client-ca-file', '/d/pki/front-proxy-ca.crt', '--requestheader-allowed-names', 'front-proxy-client',
      '--requestheader-username-headers', 'X-Remote-User', '--requestheader-group-headers', 'X-Remote-Group', '--requestheader-extra-headers-prefix', 'X-Remote-Extra-',
      '--service-account-signing-key-file', '/d/pki/sa.key',
      '--encryption-provider-config', '/d/pki/encryption-config.yaml',
      '--service-cluster-ip-range', '10.96.0.0/12', '--service-node-port-range', '30000-32767',
    ]);
    expect(plan.processes[0]!.executable).toBeUndefined();
    // Each component its own identity: its own kubeconfig (up/certificates.ts writes them).
    expect(plan.processes[1]!.args).toEqual(['controller-manager', '--server', 'https://127.0.0.1:6443', '--kubeconfig', '/d/kubeconfigs/controller-manager.conf', '--cluster-signing-cert-file', '/d/pki/ca.crt', '--cluster-signing-key-file', '/d/pki/ca.key', '--root-ca-file', '/d/pki/ca.crt']);
    expect(plan.processes[1]!.identityPrefix).toBe('controller-manager');
    expect(plan.processes[2]!.args).toEqual(['scheduler', '--server', 'https://127.0.0.1:6443', '--kubeconfig', '/d/kubeconfigs/scheduler.conf']);
    expect(plan.processes[3]!.args).toEqual([
      'kubelet', '--server', 'https://127.0.0.1:6443', '--kubeconfig', '/d/kubeconfigs/kubelet-node-1.conf', '--node-name', 'node-1', '--runtime', 'fake',
      '--port', '0', '--root-dir', '/d/nodes/node-1', '--stop-pods-on-exit',
      '--cluster-dns', '10.96.0.10',
      '--tls-cert-file', '/d/pki/kubelet-node-1-serving.crt', '--tls-private-key-file', '/d/pki/kubelet-node-1-serving.key', '--client-ca-file', '/d/pki/ca.crt',
      '--rotate-certificates', '--rotate-server-certificates',
      '--registry-config', '/d/registries.yaml',
    ]);
    expect(plan.processes[5]!.args).toEqual([
      'proxy', '--server', 'https://127.0.0.1:6443', '--kubeconfig', '/d/kubeconfigs/proxy.conf', '--hostname-override', 'node-1,node-2', '--nft-table', 'skiff-0123abcd', '--cluster-cidr', '10.244.0.0/16',
    ]);
    expect(plan.processes[6]!.args).toEqual(['dns', '--server', 'https://127.0.0.1:6443', '--kubeconfig', '/d/kubeconfigs/dns.conf', '--port', '0', '--service-ip', '10.96.0.10']);
    expect(plan.etcdUrls).toEqual([]);
  });

  it('names the proxy\'s table after the data dir, and numbers Service IPs from the CIDR', () => {
    expect(proxyTableName('/root/.skiff')).toMatch(/^skiff-[0-9a-f]{8}$/);
    expect(proxyTableName('/root/.skiff')).not.toBe(proxyTableName('/tmp/other'));
    expect(serviceIP('10.96.0.0/12', 1)).toBe('10.96.0.1');
    expect(serviceIP('10.96.0.0/12', 10)).toBe('10.96.0.10');
    expect(serviceIP('10.100.7.0/24', 10)).toBe('10.100.7.10');
  });

  it('etcd, two API servers, HA: etcd first, every component given both API servers', () => {
    const plan = planCluster({ ...base, storage: 'etcd', ha: true, nodes: 1, apiserverPorts: [6443, 6444], etcd: { bin: '/usr/bin/etcd', members: [{ clientPort: 40001, peerPort: 40002 }] } });
    expect(brief(plan)).toEqual([
      'etcd:etcd', 'apiserver:apiserver', 'apiserver:apiserver-2',
      'controller-manager:controller-manager', 'controller-manager:controller-manager-2', 'scheduler:scheduler', 'scheduler:scheduler-2',
      'kubelet:kubelet-node-1', 'proxy:proxy', 'dns:dns',
    ]);
    const [etcd, api1, api2] = plan.processes;
    expect(etcd!.executable).toBe('/usr/bin/etcd');
    expect(etcd!.args).toEqual(etcdArgs('/d/etcd', [{ clientPort: 40001, peerPort: 40002 }], 0));
    expect(etcd!.args.join(' ')).toContain('--data-dir /d/etcd --listen-client-urls http://127.0.0.1:40001');
    expect(etcd!.args.join(' ')).toContain('--initial-cluster skiff-etcd=http://127.0.0.1:40002');
    expect(plan.etcdUrls).toEqual(['http://127.0.0.1:40001']);
    expect(api1!.args.slice(0, 7)).toEqual(['apiserver', '--port', '6443', '--storage', 'etcd', '--etcd-servers', 'http://127.0.0.1:40001']);
    expect(api2!.args.slice(0, 7)).toEqual(['apiserver', '--port', '6444', '--storage', 'etcd', '--etcd-servers', 'http://127.0.0.1:40001']);
    expect(api2!.args.slice(7)).toEqual(api1!.args.slice(7)); // the same serving certificate
    expect(plan.servers).toEqual(['https://127.0.0.1:6443', 'https://127.0.0.1:6444']);
    for (const p of plan.processes.filter((x) => x.role !== 'etcd' && x.role !== 'apiserver')) {
      expect(p.args.slice(1, 3)).toEqual(['--server', 'https://127.0.0.1:6443,https://127.0.0.1:6444']);
    }
    const prefixes = plan.processes.map((p) => p.identityPrefix).filter(Boolean);
    expect(prefixes).toEqual(['controller-manager', 'controller-manager-2', 'scheduler', 'scheduler-2']);
  });

  it('three etcd members: each its own name, data dir and ports; each API server starts at a different member', () => {
    const members = [{ clientPort: 1, peerPort: 2 }, { clientPort: 3, peerPort: 4 }, { clientPort: 5, peerPort: 6 }];
    const plan = planCluster({ ...base, storage: 'etcd', apiserverPorts: [6443, 6444], etcd: { bin: 'etcd', members } });
    const etcds = plan.processes.filter((p) => p.role === 'etcd');
    expect(etcds.map((p) => p.name)).toEqual(['etcd', 'etcd-2', 'etcd-3']);
    const flag = (args: string[], f: string) => args[args.indexOf(f) + 1];
    expect(etcds.map((p) => flag(p.args, '--name'))).toEqual(['skiff-etcd', 'skiff-etcd-2', 'skiff-etcd-3']);
    expect(etcds.map((p) => flag(p.args, '--data-dir'))).toEqual(['/d/etcd', '/d/etcd-2', '/d/etcd-3']);
    expect(etcds.map((p) => flag(p.args, '--listen-client-urls'))).toEqual(['http://127.0.0.1:1', 'http://127.0.0.1:3', 'http://127.0.0.1:5']);
    for (const p of etcds) {
      expect(flag(p.args, '--initial-cluster')).toBe('skiff-etcd=http://127.0.0.1:2,skiff-etcd-2=http://127.0.0.1:4,skiff-etcd-3=http://127.0.0.1:6');
      expect(flag(p.args, '--election-timeout')).toBe('1000');
    }
    const apis = plan.processes.filter((p) => p.role === 'apiserver');
    expect(apis.map((p) => flag(p.args, '--etcd-servers'))).toEqual([
      'http://127.0.0.1:1,http://127.0.0.1:3,http://127.0.0.1:5',
      'http://127.0.0.1:3,http://127.0.0.1:5,http://127.0.0.1:1',
    ]);
  });

  it('passes the lease timings to the controller-managers only', () => {
    const plan = planCluster({ ...base, ha: true, controllerManagerArgs: ['--leader-elect-lease-duration', '4s'] });
    for (const p of plan.processes) {
      expect(p.args.includes('--leader-elect-lease-duration')).toBe(p.role === 'controller-manager');
    }
  });

  it('refuses an impossible plan', () => {
    expect(() => planCluster({ ...base, apiserverPorts: [6443, 6444] })).toThrow(/one API server per data dir/);
    expect(() => planCluster({ ...base, storage: 'etcd' })).toThrow(/etcd ports/);
  });

  it('shuts down kubelets first and etcd last', () => {
    expect(SHUTDOWN_ORDER.map((s) => s.roles.join('+'))).toEqual(['kubelet', 'controller-manager+scheduler+proxy+dns+registry', 'apiserver', 'etcd']);
  });

  it('finds the identity in a component\'s arguments', () => {
    expect(identityOf(['scheduler', '--server', 'u', '--identity', 'scheduler-2_ab12cd'])).toBe('scheduler-2_ab12cd');
    expect(identityOf(['kubelet'])).toBeUndefined();
  });
});

describe('choosing ports', () => {
  const freeExcept = (taken: number[]) => async (p: number) => !taken.includes(p);
  const sequence = (ports: number[]) => {
    let i = 0;
    return async () => ports[i++]!;
  };

  it('API servers: --port, then consecutive ports, else free ones', async () => {
    expect(await chooseApiserverPorts(6443, 1, freeExcept([]), sequence([]))).toEqual([6443]);
    expect(await chooseApiserverPorts(6443, 3, freeExcept([]), sequence([]))).toEqual([6443, 6444, 6445]);
    expect(await chooseApiserverPorts(6443, 3, freeExcept([6444]), sequence([50000]))).toEqual([6443, 50000, 6445]);
    // A "free" port the OS hands back twice is not given to two servers.
    expect(await chooseApiserverPorts(6443, 3, freeExcept([6444, 6445]), sequence([50000, 50000, 50001]))).toEqual([6443, 50000, 50001]);
  });

  it('etcd, one member: the remembered ports when still free, else new ones clear of the API servers', async () => {
    const remembered = [{ clientPort: 40001, peerPort: 40002 }];
    expect(await chooseEtcdPorts(remembered, 1, true, [6443], freeExcept([]), sequence([]))).toEqual({ members: remembered, reused: true });
    expect(await chooseEtcdPorts(remembered, 1, true, [6443], freeExcept([40002]), sequence([41000, 41001]))).toEqual({ members: [{ clientPort: 41000, peerPort: 41001 }], reused: false });
    expect(await chooseEtcdPorts(remembered, 1, true, [40001], freeExcept([]), sequence([41000, 41001]))).toEqual({ members: [{ clientPort: 41000, peerPort: 41001 }], reused: false });
    expect(await chooseEtcdPorts(undefined, 1, false, [6443], freeExcept([]), sequence([6443, 41000, 41000, 41001]))).toEqual({ members: [{ clientPort: 41000, peerPort: 41001 }], reused: false });
  });

  it('etcd, three members: an existing cluster gets its peer ports back or a plain refusal', async () => {
    const remembered = [{ clientPort: 1001, peerPort: 1002 }, { clientPort: 1003, peerPort: 1004 }, { clientPort: 1005, peerPort: 1006 }];
    expect(await chooseEtcdPorts(remembered, 3, true, [], freeExcept([]), sequence([]))).toEqual({ members: remembered, reused: true });
    // A client port taken: only that one moves.
    expect(await chooseEtcdPorts(remembered, 3, true, [], freeExcept([1003]), sequence([2000]))).toEqual({
      members: [{ clientPort: 1001, peerPort: 1002 }, { clientPort: 2000, peerPort: 1004 }, { clientPort: 1005, peerPort: 1006 }], reused: false,
    });
    expect(await chooseEtcdPorts(remembered, 3, true, [], freeExcept([1004]), sequence([2000]))).toEqual({ error: expect.stringMatching(/peer port 1004 .* is in use/) });
    // No data yet: fresh ports are fine.
    expect(await chooseEtcdPorts(remembered, 3, false, [], freeExcept([1004]), sequence([11, 12, 13, 14, 15, 16]))).toMatchObject({ members: [{ clientPort: 11, peerPort: 12 }, { clientPort: 13, peerPort: 14 }, { clientPort: 15, peerPort: 16 }] });
    // An existing cluster does not change size.
    expect(await chooseEtcdPorts(remembered.slice(0, 1), 3, true, [], freeExcept([]), sequence([]))).toEqual({ error: expect.stringMatching(/has 1 member\(s\); run with --etcd-members 1/) });
    expect(await chooseEtcdPorts(undefined, 3, true, [], freeExcept([]), sequence([]))).toEqual({ error: expect.stringMatching(/not its ports/) });
  });
});

describe('restartDelayMs', () => {
  it('doubles from 1s to a 30s cap, and starts over after a long run', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => restartDelayMs(n, 100))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(restartDelayMs(6, 120_000)).toBe(1000);
  });
});

describe('freshlyReadyNodes', () => {
  it('counts only nodes whose Ready heartbeat is from this run', () => {
    const since = Date.parse('2026-01-01T00:00:10.500Z');
    const node = (name: string, status: string, hb: string) => ({ metadata: { name }, status: { conditions: [{ type: 'Ready', status, lastHeartbeatTime: hb }] } });
    const list = { items: [node('node-1', 'True', '2026-01-01T00:00:11Z'), node('node-2', 'True', '2026-01-01T00:00:01Z'), node('node-3', 'False', '2026-01-01T00:00:12Z'), node('other', 'True', '2026-01-01T00:00:12Z')] };
    expect(freshlyReadyNodes(list, ['node-1', 'node-2', 'node-3'], since)).toEqual(['node-1']);
    // Second precision: a heartbeat stamped in the same second as the start counts.
    expect(freshlyReadyNodes({ items: [node('node-1', 'True', '2026-01-01T00:00:10Z')] }, ['node-1'], since)).toEqual(['node-1']);
  });
});

describe('kubeconfig location', () => {
  it('is the first $KUBECONFIG entry, else ~/.kube/config', () => {
    expect(userKubeconfigPath({ KUBECONFIG: '/a/conf:/b/conf', HOME: '/h' })).toBe('/a/conf');
    expect(userKubeconfigPath({ HOME: '/h' })).toBe('/h/.kube/config');
    expect(expandHome('~/.skiff', { HOME: '/h' })).toBe('/h/.skiff');
  });
});

describe('ports', () => {
  it('tells a taken port from a free one', async () => {
    const port = await freePort();
    expect(await portFree(port)).toBe(true);
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r));
    try {
      expect(await portFree(port)).toBe(false);
    } finally {
      await new Promise((r) => srv.close(r));
    }
  });
});

describe('Progress (not a terminal)', () => {
  it('prints one plain line per finished step', () => {
    let out = '';
    const p = new Progress((s) => (out += s), false);
    p.step('API server').done('http://127.0.0.1:6443');
    p.step('2 node(s)').fail('1/2 Ready');
    expect(out).toMatch(/^ {2}✓ API server {11}http:\/\/127\.0\.0\.1:6443 \(\d+\.\ds\)\n {2}✗ 2 node\(s\) {12}1\/2 Ready\n$/);
  });
});
