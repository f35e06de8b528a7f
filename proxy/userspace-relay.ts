// The degraded data plane for a proxy that cannot program the kernel (not root, or no nft):
// each TCP NodePort is a listening socket on this host that relays every connection to a
// random usable endpoint (the old kube-proxy userspace mode). ClusterIPs need kernel rules and
// do not work in this mode; main.ts says so in an Event and the Node's ServiceProxy condition.
import net from 'node:net';
import { usableEndpoints } from './endpoints.js';
import type { DataPlane, ProxyState } from './proxier.js';

export class UserspaceRelay implements DataPlane {
  private readonly listeners = new Map<number, { server: net.Server; targets: { ip: string; port: number }[] }>();

  constructor(private readonly bindAddress = '0.0.0.0', private readonly log: (msg: string) => void = () => {}) {}

  async sync(state: ProxyState): Promise<number> {
    const want = new Map<number, { ip: string; port: number }[]>();
    for (const sp of state.servicePorts) {
      if (!sp.nodePort || sp.protocol !== 'tcp') continue;
      const { cluster } = usableEndpoints(state.endpoints.get(sp.key) ?? [], () => true);
      want.set(sp.nodePort, cluster.map((e) => ({ ip: e.ip, port: e.port })));
    }
    let changes = 0;
    for (const [port, l] of this.listeners) {
      if (want.has(port)) continue;
      this.listeners.delete(port);
      await new Promise((r) => l.server.close(r));
      changes++;
    }
    for (const [port, targets] of want) {
      const had = this.listeners.get(port);
      if (had) {
        had.targets = targets;
        continue;
      }
      const entry = { server: net.createServer((c) => this.relay(c, entry.targets)), targets };
      this.listeners.set(port, entry);
      await new Promise<void>((resolve) => {
        entry.server.once('listening', resolve);
        entry.server.on('error', (e) => {
          this.log(`userspace relay: NodePort ${port}: ${e.message}`);
          resolve();
        });
        entry.server.listen(port, this.bindAddress);
      });
      changes++;
    }
    return changes;
  }

  private relay(client: net.Socket, targets: { ip: string; port: number }[]): void {
    const t = targets[Math.floor(Math.random() * targets.length)];
    if (!t) {
      client.destroy(); // no endpoint: the closest a relay gets to "connection refused"
      return;
    }
    const upstream = net.connect(t.port, t.ip);
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
  }

  close(): void {
    for (const l of this.listeners.values()) l.server.close();
    this.listeners.clear();
  }
}
