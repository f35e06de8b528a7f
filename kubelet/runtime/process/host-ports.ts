// hostPort for the process runtime: a small userspace TCP forwarder in the kubelet
// (hostIP:hostPort → podIP:containerPort), like docker-proxy. It lives in the kubelet process,
// so a restarted kubelet re-opens the forwards of the sandboxes it adopts.
import { createConnection, createServer, type Server } from 'node:net';
import type { PortMapping } from '../interface.js';

export class HostPortForwarder {
  private readonly servers = new Map<string, Server[]>();

  async open(sandboxId: string, mappings: PortMapping[], podIp: string): Promise<void> {
    const servers: Server[] = [];
    for (const m of mappings) {
      if (m.protocol !== 'TCP' || !m.hostPort) continue; // UDP/SCTP hostPorts are not forwarded (documented)
      const server = createServer((client) => {
        const upstream = createConnection({ host: podIp, port: m.containerPort });
        client.pipe(upstream).pipe(client);
        const end = () => {
          client.destroy();
          upstream.destroy();
        };
        client.on('error', end);
        upstream.on('error', end);
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(m.hostPort, m.hostIP && m.hostIP !== '0.0.0.0' ? m.hostIP : undefined, () => resolve());
      }).catch((err: Error) => {
        for (const s of servers) s.close();
        throw new Error(`hostPort ${m.hostPort}: ${err.message}`);
      });
      servers.push(server);
    }
    if (servers.length) this.servers.set(sandboxId, servers);
  }

  close(sandboxId: string): void {
    for (const s of this.servers.get(sandboxId) ?? []) s.close();
    this.servers.delete(sandboxId);
  }

  closeAll(): void {
    for (const id of [...this.servers.keys()]) this.close(id);
  }
}
