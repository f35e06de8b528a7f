// Two private network namespaces joined by a veth, for the proxy's kernel tests and benchmark:
//   ns C ("the node": the proxy's nftables table, clients)  10.77.X.1/24 ⇄ ns S ("the pods")
//   with pod addresses 10.77.X.2 … on S's end. The host's own network is never touched.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

export const canProgramKernel = (() => {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('nft', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

// A one-shot HTTP client: prints the body, or "error: " and the error's code (ECONNREFUSED…).
const HTTP_GET = `require('node:http').get(process.argv[1], { timeout: 3000 }, (r) => { let b = ''; r.on('data', (d) => (b += d)); r.on('end', () => console.log(b)); })
  .on('timeout', function () { console.log('error: ETIMEDOUT'); this.destroy(); }).on('error', (e) => console.log('error: ' + (e.code || e.message)));`;

export class NetnsPair {
  readonly id = Math.random().toString(36).slice(2, 8);
  readonly client = `skp-c-${this.id}`;
  readonly pods = `skp-s-${this.id}`;
  private readonly x = 100 + Math.floor(Math.random() * 150);
  readonly subnet = `10.77.${this.x}.0/24`;
  readonly nodeIP = `10.77.${this.x}.1`;
  readonly podIPs: string[];
  private readonly children: ChildProcess[] = [];

  /** `podCount` addresses in ns S; ns C routes `serviceCidr` out of its veth (where its rules catch it). */
  constructor(podCount: number, serviceCidr = '10.96.0.0/12') {
    this.podIPs = Array.from({ length: podCount }, (_, i) => `10.77.${this.x}.${i + 2}`);
    sh('ip', ['netns', 'add', this.client]);
    sh('ip', ['netns', 'add', this.pods]);
    sh('ip', ['link', 'add', `vc${this.id}`, 'netns', this.client, 'type', 'veth', 'peer', 'name', `vs${this.id}`, 'netns', this.pods]);
    const batch = (ns: string, cmds: string[]) => execFileSync('ip', ['-n', ns, '-b', '-'], { input: cmds.join('\n') + '\n' });
    batch(this.client, [`addr add ${this.nodeIP}/24 dev vc${this.id}`, `link set vc${this.id} up`, 'link set lo up', `route add ${serviceCidr} dev vc${this.id}`]);
    // A packet for a Service that has no rules yet reaches S: S answers "unreachable" at once
    // (rather than dropping it and leaving the client to retransmit for a second).
    batch(this.pods, [...this.podIPs.map((ip) => `addr add ${ip}/24 dev vs${this.id}`), `link set vs${this.id} up`, 'link set lo up', `route add unreachable ${serviceCidr}`]);
    execFileSync('ip', ['netns', 'exec', this.pods, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    this.inClient(['sysctl', '-qw', 'net.ipv4.conf.all.route_localnet=1']);
    // Refusals and "unreachable" are ICMP, which the kernel rate-limits per peer (1/s): a client
    // retrying faster would see silence and wait for a SYN retransmit instead.
    for (const ns of [this.client, this.pods]) execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv4.icmp_ratelimit=0']);
  }

  inClient(args: string[], input?: string): string {
    return execFileSync('ip', ['netns', 'exec', this.client, ...args], { input, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] }).toString();
  }

  /** One HTTP GET from ns C: the body, or "error: ECONNREFUSED" and the like. */
  get(url: string): string {
    return this.inClient([process.execPath, '-e', HTTP_GET, url]).trim();
  }

  /** A long-running node script in one of the namespaces (killed by destroy()). */
  spawnNode(where: 'client' | 'pods', script: string, args: string[] = []): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', where === 'client' ? this.client : this.pods, process.execPath, '-e', script, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.children.push(child);
    return child;
  }

  /** HTTP servers on :8080 of every pod address, each answering "<its address> from <client address>". */
  serveHttp(): ChildProcess {
    return this.spawnNode('pods', `
      const http = require('node:http');
      for (const ip of ${JSON.stringify(this.podIPs)}) http.createServer((q, s) => s.end(ip + ' from ' + q.socket.remoteAddress)).listen(8080, ip);
      setInterval(() => {}, 1e6);`);
  }

  destroy(): void {
    for (const c of this.children) c.kill('SIGKILL');
    for (const ns of [this.client, this.pods]) try { sh('ip', ['netns', 'del', ns]); } catch { /* already gone */ }
  }
}
