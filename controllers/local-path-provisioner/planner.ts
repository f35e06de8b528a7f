// The local-path provisioner's decisions, in the spirit of k3s's local-path-provisioner:
// each claim handed to it (volume.kubernetes.io/storage-provisioner) gets, on the node the
// scheduler chose for its first pod (volume.kubernetes.io/selected-node), a PersistentVolume
// named pvc-<claim uid> whose hostPath is <the node's local-path root>/pvc-<uid>_<ns>_<name>
// (type DirectoryOrCreate: the kubelet makes the directory when it first mounts it), with
// node affinity to that node and a claimRef to the claim, which the binder then completes.
// The node's root is what its kubelet publishes in the skiff.dev/local-path-root annotation.
// Pure: claim, class and node in, the volume to create (or why not) out.
import type { Node, PersistentVolume, PersistentVolumeClaim } from '../../api/core/index.js';
import { claimClass, PVAnnotation } from '../../api/core/index.js';
import { IS_DEFAULT_CLASS_ANNOTATION, LOCAL_PATH_CLASS, LOCAL_PATH_PROVISIONER, LOCAL_PATH_ROOT_ANNOTATION, localPathDir, type StorageClass } from '../../api/storage/index.js';

export { LOCAL_PATH_CLASS, LOCAL_PATH_PROVISIONER, LOCAL_PATH_ROOT_ANNOTATION };

/** The default StorageClass the controller-manager makes at start if missing (k3s ships the same one). */
export function localPathStorageClass(): StorageClass {
  return {
    apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
    metadata: { name: LOCAL_PATH_CLASS, annotations: { [IS_DEFAULT_CLASS_ANNOTATION]: 'true' } },
    provisioner: LOCAL_PATH_PROVISIONER,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
    allowVolumeExpansion: false,
  };
}

export function volumeNameFor(c: PersistentVolumeClaim): string {
  return `pvc-${c.metadata.uid}`;
}

/** The directory of a claim's volume under a node's root: pvc-<uid>_<namespace>_<name>. */
export function volumeDirFor(root: string, c: PersistentVolumeClaim): string {
  return localPathDir(root, { uid: c.metadata.uid!, namespace: c.metadata.namespace ?? 'default', name: c.metadata.name! });
}

export type ProvisionDecision =
  | { action: 'none' }
  | { action: 'fail'; message: string }
  | { action: 'create'; volume: PersistentVolume };

/** Is this claim ours to provision now? Then the PV, else why not (or nothing to do). */
export function planProvision(
  c: PersistentVolumeClaim,
  cls: StorageClass | undefined,
  nodes: ReadonlyMap<string, Node>,
  existing: ReadonlySet<string>,
): ProvisionDecision {
  const ann = c.metadata.annotations ?? {};
  if (ann[PVAnnotation.storageProvisioner] !== LOCAL_PATH_PROVISIONER && ann[PVAnnotation.betaStorageProvisioner] !== LOCAL_PATH_PROVISIONER) return { action: 'none' };
  if (c.spec?.volumeName || c.metadata.deletionTimestamp || !cls || cls.provisioner !== LOCAL_PATH_PROVISIONER) return { action: 'none' };
  if (existing.has(volumeNameFor(c))) return { action: 'none' };
  const nodeName = ann[PVAnnotation.selectedNode];
  // A directory lives on one node, so the node must be known first (k3s's own message).
  if (!nodeName) return { action: 'fail', message: 'configuration error, no node was specified' };
  const node = nodes.get(nodeName);
  if (!node) return { action: 'fail', message: `node "${nodeName}" not found` };
  const root = node.metadata.annotations?.[LOCAL_PATH_ROOT_ANNOTATION];
  if (!root) return { action: 'fail', message: `node "${nodeName}" has no local-path root (annotation ${LOCAL_PATH_ROOT_ANNOTATION}): its kubelet has not published one` };
  const hostname = node.metadata.labels?.['kubernetes.io/hostname'] ?? nodeName;
  const volume: PersistentVolume = {
    apiVersion: 'v1', kind: 'PersistentVolume',
    metadata: {
      name: volumeNameFor(c),
      annotations: { [PVAnnotation.provisionedBy]: LOCAL_PATH_PROVISIONER },
    },
    spec: {
      capacity: { storage: String(c.spec?.resources?.requests?.storage ?? '0') },
      accessModes: c.spec?.accessModes ?? ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: cls.reclaimPolicy ?? 'Delete',
      storageClassName: claimClass(c),
      volumeMode: 'Filesystem',
      hostPath: { path: volumeDirFor(root, c), type: 'DirectoryOrCreate' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [hostname] }] }] } },
      claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: c.metadata.namespace, name: c.metadata.name, uid: c.metadata.uid, resourceVersion: c.metadata.resourceVersion },
    },
  };
  return { action: 'create', volume };
}
