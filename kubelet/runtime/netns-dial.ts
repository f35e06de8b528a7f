// A TCP connection to 127.0.0.1:PORT inside another network namespace, for sandboxes that
// have no address the node can route to (a docker sandbox on `--bridge=none`): as
// dockershim's port-forward did with `nsenter -t PID -n socat`, a small relay (this Node
// binary, no socat needed) runs in the namespace and its stdin/stdout become the connection.
import { spawn } from 'node:child_process';
import { Duplex } from 'node:stream';

// Connects, writes one byte so the caller knows it did, then relays; a failure goes to stderr.
const RELAY = `
const s = require('net').connect(Number(process.argv[1]), '127.0.0.1');
s.on('connect', () => { process.stdout.write(Buffer.from([1])); process.stdin.pipe(s); s.pipe(process.stdout); });
s.on('error', (e) => { process.stderr.write(e.message); process.exit(1); });
s.on('close', () => process.exit(0));`;

/** Dial `port` on the loopback of the network namespace `netnsPath` (e.g. /proc/PID/ns/net). */
export function dialInNetns(netnsPath: string, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', [`--net=${netnsPath}`, '--', process.execPath, '-e', RELAY, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    let connected = false;
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.once('exit', (code) => {
      if (!connected) reject(new Error(err.trim() || `the relay in ${netnsPath} exited with ${code}`));
    });
    child.stdout.once('readable', function first() {
      const b: Buffer | null = child.stdout.read(1);
      if (b === null) return child.stdout.once('readable', first);
      connected = true;
      const conn = Duplex.from({ readable: child.stdout, writable: child.stdin });
      conn.on('close', () => child.kill());
      resolve(conn);
    });
  });
}
