// `skiff controller-manager --kubeconfig FILE [--server URL[,URL2]] [--leader-elect=true] [--identity X]`
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { ControllerManager, CONTROLLERS } from './controller-manager.js';
import { buildConfigFromFlags } from '../client/kubeconfig.js';

const HELP = `Usage: skiff controller-manager --kubeconfig FILE [flags]

Runs the ReplicaSet, Deployment, DaemonSet, StatefulSet, Job, CronJob, TTL-after-finished, garbage-collector, namespace and node
lifecycle controllers (and the EndpointSlice and Endpoints controllers, and the HorizontalPodAutoscaler controller).

Environment: SKIFF_JOB_BACKOFF_BASE_MS (the Job controller's first delay before replacing a
failed pod, doubling per failure; default 10000 — tests lower it).

Flags:
  --kubeconfig FILE                  the API server, the CA and this component's client certificate
  --server URL[,URL]                 API server(s) in place of the kubeconfig's, tried in order
  --leader-elect=true|false          elect a leader on Lease kube-system/skiff-controller-manager (default true)
  --identity NAME                    this candidate's identity (default hostname_pid)
  --workers N                        concurrent syncs per controller (default 5)
  --controllers a,b                  controllers to run (default all: ${Object.keys(CONTROLLERS).join(', ')})
  --leader-elect-lease-duration D    e.g. 15s (default 15s)
  --leader-elect-renew-deadline D    e.g. 10s (default 10s)
  --leader-elect-retry-period D      e.g. 2s (default 2s)
  --cluster-signing-cert-file F, --cluster-signing-key-file F
                                     the CA that signs approved CSRs for kubernetes.io/kube-apiserver-client
                                     and kubernetes.io/kube-apiserver-client-kubelet (without: approve only)
  --cluster-signing-duration D       longest certificate it issues, e.g. 8760h… as seconds/m (default 1 year)
  --root-ca-file F                   the CA published to every namespace as ConfigMap kube-root-ca.crt
                                     (what pods' ServiceAccount volumes hold as ca.crt)
  --horizontal-pod-autoscaler-sync-period D
                                     how often each HorizontalPodAutoscaler is synced (default 15s)
  --horizontal-pod-autoscaler-downscale-stabilization D
                                     the scale-down window of HPAs without spec.behavior (default 5m)
  --horizontal-pod-autoscaler-tolerance F
                                     the usage/target ratio distance from 1.0 left alone (default 0.1)
  --node-monitor-grace-period D      a node whose Lease is not renewed (and status not posted) for this
                                     long turns Ready=Unknown and is tainted unreachable (default 40s)

How long pods stay on a lost node is not a controller-manager flag: it is each pod's
toleration of node.kubernetes.io/unreachable (and not-ready), NoExecute. The API server adds
300 s ones to every pod on create (skiff apiserver --default-unreachable-toleration-seconds,
--default-not-ready-toleration-seconds), and a pod may set its own.`;

/** "15s", "1500ms", "2m" or a bare number of seconds → milliseconds. */
export function parseDuration(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v.trim());
  if (!m) throw new Error(`invalid duration ${JSON.stringify(v)}`);
  const n = Number(m[1]);
  return Math.round(m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000);
}

function horizontalPodAutoscalerOptions(values: Record<string, string | boolean | undefined>) {
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const syncPeriodMs = parseDuration(str('horizontal-pod-autoscaler-sync-period'));
  const downscaleStabilizationMs = parseDuration(str('horizontal-pod-autoscaler-downscale-stabilization'));
  const tol = str('horizontal-pod-autoscaler-tolerance');
  if (syncPeriodMs !== undefined && syncPeriodMs <= 0) throw new Error('--horizontal-pod-autoscaler-sync-period must be positive');
  if (tol !== undefined && !(Number(tol) >= 0)) throw new Error(`--horizontal-pod-autoscaler-tolerance: invalid value ${JSON.stringify(tol)}: must be a number ≥ 0`);
  return {
    ...(syncPeriodMs !== undefined ? { syncPeriodMs } : {}),
    ...(downscaleStabilizationMs !== undefined ? { downscaleStabilizationMs } : {}),
    ...(tol !== undefined ? { tolerance: Number(tol) } : {}),
  };
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      server: { type: 'string' },
      kubeconfig: { type: 'string' },
      'leader-elect': { type: 'string' },
      identity: { type: 'string' },
      workers: { type: 'string' },
      controllers: { type: 'string' },
      'leader-elect-lease-duration': { type: 'string' },
      'leader-elect-renew-deadline': { type: 'string' },
      'leader-elect-retry-period': { type: 'string' },
      'node-monitor-grace-period': { type: 'string' },
      'horizontal-pod-autoscaler-sync-period': { type: 'string' },
      'horizontal-pod-autoscaler-downscale-stabilization': { type: 'string' },
      'horizontal-pod-autoscaler-tolerance': { type: 'string' },
      'cluster-signing-cert-file': { type: 'string' },
      'cluster-signing-key-file': { type: 'string' },
      'cluster-signing-duration': { type: 'string' },
      'root-ca-file': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  if (!values.server && !values.kubeconfig) throw new Error(`--kubeconfig (or --server) is required\n\n${HELP}`);
  const connection = buildConfigFromFlags({ kubeconfig: values.kubeconfig, server: values.server });
  const leaderElect = values['leader-elect'] === undefined ? true : !['false', '0', 'no'].includes(values['leader-elect'].toLowerCase());
  if (!!values['cluster-signing-cert-file'] !== !!values['cluster-signing-key-file']) throw new Error('--cluster-signing-cert-file and --cluster-signing-key-file go together');
  const signingCA = values['cluster-signing-cert-file']
    ? await (await import('../pki/files.js')).loadCertificateAuthority({ cert: values['cluster-signing-cert-file'], key: values['cluster-signing-key-file']! })
    : undefined;
  const cm = new ControllerManager({
    ...connection,
    leaderElect,
    ...(values.identity ? { identity: values.identity } : {}),
    ...(values.workers ? { workers: Number(values.workers) } : {}),
    ...(values.controllers ? { controllers: values.controllers.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
    leaseDurationMs: parseDuration(values['leader-elect-lease-duration']),
    renewDeadlineMs: parseDuration(values['leader-elect-renew-deadline']),
    retryPeriodMs: parseDuration(values['leader-elect-retry-period']),
    nodeMonitorGracePeriodMs: parseDuration(values['node-monitor-grace-period']),
    horizontalPodAutoscaler: horizontalPodAutoscalerOptions(values),
    ...(signingCA ? { clusterSigningCA: signingCA } : {}),
    ...(values['root-ca-file'] ? { rootCAPem: fs.readFileSync(values['root-ca-file'], 'utf8') } : {}),
    clusterSigningDurationMs: parseDuration(values['cluster-signing-duration']),
    ...(process.env.SKIFF_JOB_BACKOFF_BASE_MS ? { jobBackoffBaseMs: Number(process.env.SKIFF_JOB_BACKOFF_BASE_MS) } : {}),
  });
  let signals = 0;
  const shutdown = (sig: string) => {
    if (++signals > 1) process.exit(1);
    console.log(`controller-manager: ${sig}, shutting down`);
    void cm.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGHUP', () => shutdown('SIGHUP')); // the supervisor is gone (cli/up/liveness-pipe.ts)
  await cm.run();
}
