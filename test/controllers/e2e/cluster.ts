// Real processes for the controllers' integration tests and benchmark: `skiff apiserver` on a
// random port with a temp data dir, `skiff controller-manager` processes against it, and a
// kubelet stand-in (in this process) that marks pods Running/Ready through pods/status as
// they appear (or, for an image tagged `exit-N`, runs them to completion with exit code N:
// Succeeded for 0, Failed otherwise) and finishes graceful deletions. stopAll() ends everything and removes the dirs.
import type { Pod } from '../../../api/core/index.js';
import type { Deployment } from '../../../api/apps/index.js';
import { isStatusError } from '../../../api/errors.js';
import { Informer, RestClient } from '../../../client/index.js';
import { SkiffProcesses, waitWhileRunning, type SkiffProcess } from '../../support/processes.js';
import { TempDirs } from '../../support/temp.js';
import type { Poll } from '../../support/wait.js';
import { testPki } from '../../support/tls.js';

export { SKIFF } from '../../support/processes.js';

export type Proc = SkiffProcess;

export class Cluster {
  private procs = new SkiffProcesses();
  private temp = new TempDirs();
  private closers: (() => void)[] = [];
  url = '';
  client!: RestClient;
  /** The `skiff apiserver` process apiserver() started (the last one). */
  apiserverProc?: Proc;

  start(args: string[], env?: NodeJS.ProcessEnv): Proc {
    return this.procs.start(args, env ? { env } : {});
  }

  /** A temp dir removed by stopAll(). */
  tempDir(prefix = 'skiff-ctrl-'): string {
    return this.temp.make(prefix);
  }

  async apiserver(extra: string[] = []): Promise<string> {
    ({ url: this.url, proc: this.apiserverProc } = await this.procs.apiserver(this.tempDir(), extra));
    this.client = new RestClient({ server: this.url, credentials: testPki().credentials, userAgent: 'controllers-test' });
    return this.url;
  }

  /** PUT deployments/NAME/scale, retrying when a controller's write got in between (409). */
  async scale(name: string, replicas: number, namespace = 'default'): Promise<void> {
    await waitFor(async () => {
      const scale = await this.client.deployments().getScale(name, namespace);
      await this.client.deployments().updateScale(name, { ...scale, spec: { replicas } }, namespace);
      return true;
    }, 60_000, () => `scale ${name} to ${replicas}`);
  }

  controllerManager(extra: string[] = [], env?: NodeJS.ProcessEnv): Proc {
    return this.start(['controller-manager', '--server', this.url, ...extra], env);
  }

  /**
   * Mark every pod Running and Ready as it appears; delete gracefully-deleted pods for good.
   * A pod whose containers' images are tagged `exit-N` (`busybox:exit-0`, `busybox:exit-1`)
   * instead terminates at once with exit code N: phase Succeeded when every code is 0, else
   * Failed — what a Job's pods need.
   */
  kubeletStandIn(namespace?: string, readyDelayMs = 0): Informer<Pod> {
    const pods = this.client.pods();
    const inf = new Informer<Pod>(pods, namespace ? { namespace } : {});
    const pending = new Set<string>();
    const handle = (pod: Pod) => {
      const ns = pod.metadata.namespace!, name = pod.metadata.name!;
      if (pod.metadata.deletionTimestamp) {
        void pods.delete(name, { namespace: ns, gracePeriodSeconds: 0 }).catch(() => {});
        return;
      }
      if ((pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')) return;
      if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return;
      // An image named "…:broken" never becomes ready (a rollout that cannot progress).
      if (pod.spec.containers.some((c) => c.image?.endsWith(':broken'))) return;
      const t = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      const exitCodes = pod.spec.containers.map((c) => /:exit-(\d+)$/.exec(c.image ?? '')?.[1]);
      if (exitCodes.every((code) => code !== undefined)) {
        const failed = exitCodes.some((code) => code !== '0');
        const terminal = {
          phase: failed ? 'Failed' : 'Succeeded', startTime: t,
          conditions: ['PodScheduled', 'Initialized'].map((type) => ({ type, status: 'True', lastTransitionTime: t }))
            .concat(['ContainersReady', 'Ready'].map((type) => ({ type, status: 'False', lastTransitionTime: t, reason: 'PodCompleted' } as never))),
          containerStatuses: pod.spec.containers.map((c, i) => ({
            name: c.name, ready: false, restartCount: 0, image: c.image ?? '', imageID: '', started: false,
            state: { terminated: { exitCode: Number(exitCodes[i]), reason: exitCodes[i] === '0' ? 'Completed' : 'Error', startedAt: t, finishedAt: t } },
          })),
        };
        void pods.patch(name, { status: terminal }, 'merge', { namespace: ns, subresource: 'status' }).catch((e) => {
          if (!isStatusError(e, 'NotFound')) console.error(`stand-in: ${(e as Error).message}`);
        });
        return;
      }
      const status = {
        phase: 'Running', startTime: t,
        conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({ type, status: 'True', lastTransitionTime: t })),
        containerStatuses: pod.spec.containers.map((c) => ({ name: c.name, ready: true, restartCount: 0, image: c.image ?? '', imageID: '', started: true, state: { running: { startedAt: t } } })),
      };
      const write = () => void pods.patch(name, { status }, 'merge', { namespace: ns, subresource: 'status' }).catch((e) => {
        if (!isStatusError(e, 'NotFound')) console.error(`stand-in: ${(e as Error).message}`);
      });
      if (readyDelayMs > 0) {
        if (pending.has(pod.metadata.uid!)) return;
        pending.add(pod.metadata.uid!);
        const t = setTimeout(() => { pending.delete(pod.metadata.uid!); write(); }, readyDelayMs);
        this.closers.push(() => clearTimeout(t));
      } else write();
    };
    inf.addEventHandler({ onAdd: handle, onUpdate: (_o, p) => handle(p) });
    inf.start();
    this.closers.push(() => inf.stop());
    return inf;
  }

  /** An informer for assertions on every event; stopped by stopAll(). */
  informer<T extends Pod | Deployment>(kind: string, namespace?: string): Informer<T> {
    const inf = new Informer<T>(this.client.resource<T>(kind), namespace ? { namespace } : {});
    this.closers.push(() => inf.stop());
    return inf;
  }

  kill9(p: Proc): Promise<void> {
    return this.procs.kill9(p);
  }

  stop(p: Proc, graceMs = 10_000): Promise<number | null> {
    return this.procs.stop(p, graceMs);
  }

  async stopAll(): Promise<void> {
    for (const c of this.closers.splice(0)) c();
    this.client?.close();
    await this.procs.stopAll();
    this.temp.removeAll();
  }
}

export function isActive(p: Pod): boolean {
  return !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
}

export function isReady(p: Pod): boolean {
  return (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function webDeployment(name: string, replicas: number, image: string, extra: Partial<Deployment['spec']> = {}): Deployment {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image }] } },
      ...extra,
    },
  };
}

/** Polls fn until it returns a truthy value (generous deadlines; never a timing assertion); gives up early if `proc` exits. */
export function waitFor<T>(fn: Poll<T>, timeoutMs = 90_000, describe?: () => string, proc?: Proc): Promise<T> {
  return waitWhileRunning(fn, timeoutMs, describe, proc);
}
