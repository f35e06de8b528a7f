// apps/v1 defaulting: one replica, a 25%/25% rolling update, ten revisions of history, a
// 600 s progress deadline, and the pod template's own defaults.
import { isObj, setIfAbsent, type Obj } from '../json-object.js';
import { defaultPodTemplate } from '../core/pod-defaults.js';
import { defaultPersistentVolumeClaim } from '../core/persistentvolume.js';

export function defaultDeployment(d: Obj): void {
  if (!isObj(d.spec)) return;
  const spec = d.spec;
  setIfAbsent(spec, 'replicas', 1);
  if (!isObj(spec.strategy)) spec.strategy = {};
  const strategy = spec.strategy;
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    if (!isObj(strategy.rollingUpdate)) strategy.rollingUpdate = {};
    setIfAbsent(strategy.rollingUpdate, 'maxUnavailable', '25%');
    setIfAbsent(strategy.rollingUpdate, 'maxSurge', '25%');
  }
  setIfAbsent(spec, 'revisionHistoryLimit', 10);
  setIfAbsent(spec, 'progressDeadlineSeconds', 600);
  defaultPodTemplate(spec.template);
}

export function defaultReplicaSet(rs: Obj): void {
  if (!isObj(rs.spec)) return;
  setIfAbsent(rs.spec, 'replicas', 1);
  defaultPodTemplate(rs.spec.template);
}

/** SetDefaults_DaemonSet: RollingUpdate one node at a time (maxUnavailable 1, maxSurge 0), ten revisions. */
export function defaultDaemonSet(ds: Obj): void {
  if (!isObj(ds.spec)) return;
  const spec = ds.spec;
  if (!isObj(spec.updateStrategy)) spec.updateStrategy = {};
  const strategy = spec.updateStrategy;
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    if (!isObj(strategy.rollingUpdate)) strategy.rollingUpdate = {};
    setIfAbsent(strategy.rollingUpdate, 'maxUnavailable', 1);
    setIfAbsent(strategy.rollingUpdate, 'maxSurge', 0);
  }
  setIfAbsent(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplate(spec.template);
}

/**
 * SetDefaults_StatefulSet: OrderedReady, RollingUpdate at partition 0, one replica, ten
 * revisions, claims retained on delete and scale-down; each volumeClaimTemplate defaulted as
 * a claim (so a later, identical apply is no change).
 */
export function defaultStatefulSet(sts: Obj): void {
  if (!isObj(sts.spec)) return;
  const spec = sts.spec;
  setIfAbsent(spec, 'podManagementPolicy', 'OrderedReady');
  if (!isObj(spec.updateStrategy)) spec.updateStrategy = {};
  const strategy = spec.updateStrategy;
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    if (!isObj(strategy.rollingUpdate)) strategy.rollingUpdate = {};
    setIfAbsent(strategy.rollingUpdate, 'partition', 0);
  }
  if (!isObj(spec.persistentVolumeClaimRetentionPolicy)) spec.persistentVolumeClaimRetentionPolicy = {};
  setIfAbsent(spec.persistentVolumeClaimRetentionPolicy, 'whenDeleted', 'Retain');
  setIfAbsent(spec.persistentVolumeClaimRetentionPolicy, 'whenScaled', 'Retain');
  setIfAbsent(spec, 'replicas', 1);
  setIfAbsent(spec, 'revisionHistoryLimit', 10);
  if (Array.isArray(spec.volumeClaimTemplates)) for (const t of spec.volumeClaimTemplates) if (isObj(t)) defaultPersistentVolumeClaim(t);
  defaultPodTemplate(spec.template);
}
