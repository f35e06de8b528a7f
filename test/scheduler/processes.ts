// Real processes for the scheduler's integration tests and benchmark: an API server on a
// random port with its own temp data dir, and `skiff scheduler` processes against it.
// Everything started here is stopped (and the dirs removed) by stopAll().
import { SkiffProcesses, type SkiffProcess } from '../support/processes.js';
import { TempDirs } from '../support/temp.js';

/** Polls fn until it returns a truthy value (60 s by default; never a timing assertion); gives up early if `proc` exits. */
export { SKIFF, waitWhileRunning as waitFor } from '../support/processes.js';

export type Proc = SkiffProcess;

export class Processes {
  private procs = new SkiffProcesses();
  private temp = new TempDirs();

  start(args: string[], env: NodeJS.ProcessEnv = {}): Proc {
    return this.procs.start(args, { env });
  }

  /** `skiff apiserver --port 0 --data-dir TMP`; resolves with its URL once it listens. */
  apiserver(extra: string[] = []): Promise<{ url: string; proc: Proc }> {
    return this.procs.apiserver(this.temp.make('skiff-sched-'), extra);
  }

  scheduler(url: string, extra: string[] = []): Proc {
    return this.start(['scheduler', '--server', url, ...extra]);
  }

  /** SIGTERM, then SIGKILL after a grace period; resolves when it is gone. */
  stop(p: Proc, graceMs = 10_000): Promise<number | null> {
    return this.procs.stop(p, graceMs);
  }

  async stopAll(): Promise<void> {
    await this.procs.stopAll();
    this.temp.removeAll();
  }
}
