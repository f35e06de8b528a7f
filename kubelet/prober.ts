// The probe workers: one timer chain per (running container, probe kind), folding outcomes
// through the pure state machine in probes.ts and telling the pod worker when a result flips.
import type { Container, Probe } from '../api/core/index.js';
import { initialProbeState, nextProbeAt, nextProbeState, probeTiming, runProbe, type ProbeKind, type ProbeState } from './probes.js';
import type { Runtime } from './runtime/interface.js';

interface Worker {
  kind: ProbeKind;
  containerId: string;
  state: ProbeState;
  timer?: NodeJS.Timeout;
  stopped: boolean;
  lastMessage: string;
}

export interface ProbeEvents {
  /** A result flipped: the pod needs a sync (readiness change, or a liveness/startup failure). */
  onChange(podUid: string): void;
  /** A probe failed (the Unhealthy event). */
  onFailure(podUid: string, container: string, kind: ProbeKind, message: string): void;
}

export class ProbeManager {
  // containerId → the pod it belongs to and its workers
  private readonly workers = new Map<string, { podUid: string; list: Worker[] }>();

  constructor(
    private readonly runtime: Runtime,
    private readonly events: ProbeEvents,
  ) {}

  /** Make the set of probe workers match the pod's running containers. */
  sync(podUid: string, running: { id: string; spec: Container; startedAt?: string }[], host: string): void {
    const live = new Set(running.map((r) => r.id));
    for (const [id, ws] of this.workers) if (ws.podUid === podUid && !live.has(id)) this.remove(id);
    for (const r of running) {
      if (this.workers.has(r.id)) continue;
      const ws: Worker[] = [];
      const probes: [ProbeKind, Probe | undefined][] = [
        ['startup', r.spec.startupProbe],
        ['liveness', r.spec.livenessProbe],
        ['readiness', r.spec.readinessProbe],
      ];
      for (const [kind, probe] of probes) {
        if (!probe) continue;
        const w: Worker = { kind, containerId: r.id, state: initialProbeState(kind), stopped: false, lastMessage: '' };
        ws.push(w);
        this.schedule(podUid, w, probe, r.spec, host, r.startedAt ? Date.parse(r.startedAt) : Date.now(), undefined);
      }
      this.workers.set(r.id, { podUid, list: ws });
    }
  }

  private schedule(podUid: string, w: Worker, probe: Probe, spec: Container, host: string, startedMs: number, lastMs: number | undefined): void {
    if (w.stopped) return;
    const t = probeTiming(w.kind, probe);
    const at = nextProbeAt(startedMs, lastMs, t);
    w.timer = setTimeout(async () => {
      if (w.stopped) return;
      // Liveness and readiness wait for the startup probe to pass.
      const startup = this.workers.get(w.containerId)?.list.find((x) => x.kind === 'startup');
      const gated = w.kind !== 'startup' && startup && startup.state.result !== 'success';
      const probedAt = Date.now();
      if (!gated && !(w.kind === 'startup' && w.state.result === 'success')) {
        const outcome = await runProbe(probe, { runtime: this.runtime, containerId: w.containerId, container: spec, host }, t.timeoutMs);
        if (w.stopped) return;
        const before = w.state.result;
        w.state = nextProbeState(w.state, outcome.passed, t);
        if (!outcome.passed) {
          w.lastMessage = outcome.message;
          this.events.onFailure(podUid, spec.name, w.kind, `${w.kind[0]!.toUpperCase()}${w.kind.slice(1)} probe failed: ${outcome.message}`);
        }
        if (before !== w.state.result) this.events.onChange(podUid);
      }
      this.schedule(podUid, w, probe, spec, host, startedMs, probedAt);
    }, Math.max(0, at - Date.now()));
    w.timer.unref?.();
  }

  private find(containerId: string, kind: ProbeKind): Worker | undefined {
    return this.workers.get(containerId)?.list.find((w) => w.kind === kind);
  }

  ready(containerId: string): boolean {
    const w = this.find(containerId, 'readiness');
    return !w || w.state.result === 'success';
  }

  started(containerId: string): boolean {
    const w = this.find(containerId, 'startup');
    return !w || w.state.result === 'success';
  }

  /** Why the container must be restarted (liveness or startup failure), if it must. */
  unhealthy(containerId: string): string | undefined {
    for (const kind of ['startup', 'liveness'] as const) {
      const w = this.find(containerId, kind);
      if (w && w.state.result === 'failure') return `Container failed ${kind} probe, will be restarted`;
    }
    return undefined;
  }

  remove(containerId: string): void {
    for (const w of this.workers.get(containerId)?.list ?? []) {
      w.stopped = true;
      if (w.timer) clearTimeout(w.timer);
    }
    this.workers.delete(containerId);
  }

  removePod(podUid: string): void {
    for (const [id, ws] of this.workers) if (ws.podUid === podUid) this.remove(id);
  }

  stop(): void {
    for (const id of [...this.workers.keys()]) this.remove(id);
  }
}
