// The kubelet's pod DNS files inside real pods (process runtime, as root): a ClusterFirst pod
// reads the cluster DNS and search path in /etc/resolv.conf and its own IP and FQDN in
// /etc/hosts; a hostNetwork Default pod reads the host's resolver config and the host's
// /etc/hosts; the host's own files are untouched (the binds live in the pods' mount namespaces).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../api/core/index.js';
import type { RestClient } from '../../client/rest.js';
import { formatResolvConf, parseResolvConf } from '../../kubelet/pod-dns.js';
import { client, isRoot, podManifest, readStream, removeDir, startApiServer, startKubelet, suffix, tempDir, waitFor, type KubeletProc, type Proc } from './harness.js';

const node = `dns-${suffix()}`;
let api: { proc: Proc; url: string; dir: string } | undefined;
let kubelet: KubeletProc | undefined;
let rootDir: string | undefined;
let c: RestClient | undefined;
const hostResolv = readFileSync('/etc/resolv.conf', 'utf8');
const hostHosts = readFileSync('/etc/hosts', 'utf8');

describe.skipIf(!isRoot)('pod /etc/resolv.conf and /etc/hosts (process runtime, root)', () => {
  beforeAll(async () => {
    api = await startApiServer();
    rootDir = tempDir(node);
    c = client(api.url);
    kubelet = await startKubelet(api.url, node, rootDir, ['--stop-pods-on-exit', '--cluster-dns', '10.96.0.10', '--cluster-domain', 'cluster.local']);
  });

  afterAll(async () => {
    try {
      await kubelet?.stop('SIGTERM');
    } finally {
      c?.close();
      await api?.proc.stop();
      removeDir(rootDir);
      removeDir(api?.dir);
    }
  });

  const catFiles = (name: string, spec: Partial<Pod['spec']>) => podManifest(name, node, {
    containers: [{ name: 'main', image: 'host', command: ['/bin/sh', '-c', 'cat /etc/resolv.conf; echo ---; cat /etc/hosts; sleep 1000'] }],
    ...spec,
  });

  async function filesOf(name: string): Promise<{ resolv: string; hosts: string; ip: string }> {
    const pod = await waitFor(`${name} running`, async () => {
      const p = await c!.pods().get(name, 'default');
      return p.status?.phase === 'Running' && p;
    });
    const logs = await waitFor(`${name} printed its files`, async () => {
      const t = await readStream(await c!.podLogs('default', name, {}));
      return t.includes('---') && t.trim().split('---')[1]!.trim() !== '' && t;
    });
    const [resolv, hosts] = logs.split('---\n');
    return { resolv: resolv!, hosts: hosts!, ip: pod.status?.podIP ?? '' };
  }

  it('ClusterFirst: the cluster DNS and search path; a managed /etc/hosts with the pod\'s IP, FQDN and hostAliases', async () => {
    await c!.pods().create(catFiles('stateful-0', {
      hostname: 'db-0', subdomain: 'db', hostAliases: [{ ip: '192.0.2.10', hostnames: ['legacy.example'] }],
      dnsConfig: { options: [{ name: 'ndots', value: '2' }] },
    }));
    const { resolv, hosts, ip } = await filesOf('stateful-0');
    const hostSearch = parseResolvConf(hostResolv).searches;
    expect(resolv).toBe(formatResolvConf({
      nameservers: ['10.96.0.10'],
      searches: [...new Set(['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local', ...hostSearch])],
      options: ['ndots:2'],
    }));
    expect(ip).toMatch(/^10\.244\./);
    expect(hosts).toMatch(/^# Kubernetes-managed hosts file\.\n127\.0\.0\.1\tlocalhost\n/);
    expect(hosts).toContain(`${ip}\tdb-0.db.default.svc.cluster.local\tdb-0\n`);
    expect(hosts).toContain('192.0.2.10\tlegacy.example\n');
    // the host's files are as they were
    expect(readFileSync('/etc/resolv.conf', 'utf8')).toBe(hostResolv);
    expect(readFileSync('/etc/hosts', 'utf8')).toBe(hostHosts);
  });

  it('hostNetwork with Default: the host\'s resolver config, and the host\'s own /etc/hosts', async () => {
    await c!.pods().create(catFiles('hostnet-dns', { hostNetwork: true, dnsPolicy: 'Default' }));
    const { resolv, hosts } = await filesOf('hostnet-dns');
    expect(resolv).toBe(formatResolvConf(parseResolvConf(hostResolv)));
    expect(hosts).toBe(hostHosts);
  });
});
