// Running nft: one `nft -f -` per transaction (the script on stdin). Optionally inside a named
// network namespace (`ip netns exec`), which is how the tests program a private namespace.
import { execFile, spawn } from 'node:child_process';

export class Nft {
  constructor(private readonly netns?: string) {}

  private argv(args: string[]): [string, string[]] {
    return this.netns ? ['ip', ['netns', 'exec', this.netns, 'nft', ...args]] : ['nft', args];
  }

  /** Apply a script atomically; rejects with nft's own message (which names the failing line). */
  apply(script: string): Promise<void> {
    const [cmd, args] = this.argv(['-f', '-']);
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.once('error', (e) => reject(new Error(`nft: ${e.message} (is the nftables package installed?)`)));
      child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`nft -f failed (${code}): ${stderr.trim().slice(0, 2000)}`))));
      child.stdin.end(script);
    });
  }

  list(table: string): Promise<string> {
    return this.run(['list', 'table', 'ip', table]);
  }

  /** Remove the table and everything in it; fine if it is not there. */
  async deleteTable(table: string): Promise<void> {
    await this.apply(`add table ip ${table}\ndelete table ip ${table}\n`);
  }

  async available(): Promise<boolean> {
    return this.run(['--version']).then(() => true, () => false);
  }

  private run(args: string[]): Promise<string> {
    const [cmd, argv] = this.argv(args);
    return new Promise((resolve, reject) => {
      execFile(cmd, argv, { maxBuffer: 64 << 20 }, (err, stdout, stderr) => (err ? reject(new Error(`nft ${args.join(' ')}: ${stderr.trim() || err.message}`)) : resolve(stdout)));
    });
  }
}
