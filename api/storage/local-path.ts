// The local-path provisioner's names, shared by the controller-manager (which provisions and
// deletes the PersistentVolume objects) and the kubelet (which publishes its node's root and
// removes the directories): in the spirit of k3s's local-path-provisioner, one directory per
// claim, <root>/pvc-<claim uid>_<namespace>_<claim name>, on the node of its first pod.
import { posix } from 'node:path';

export const LOCAL_PATH_PROVISIONER = 'skiff.dev/local-path';
export const LOCAL_PATH_CLASS = 'local-path';
/** On a Node: the directory under which its kubelet keeps local-path volumes. */
export const LOCAL_PATH_ROOT_ANNOTATION = 'skiff.dev/local-path-root';

export function localPathDir(root: string, claim: { uid: string; namespace: string; name: string }): string {
  return posix.join(root, `pvc-${claim.uid}_${claim.namespace}_${claim.name}`);
}

/**
 * A directory name back to its claim and volume (pvc-<uid>). Unambiguous: uids, namespaces
 * and claim names cannot hold '_'. Pure.
 */
export function parseLocalPathDir(entry: string): { volumeName: string; namespace: string; name: string } | undefined {
  const m = /^pvc-([0-9a-f-]+)_([a-z0-9-]+)_([a-z0-9.-]+)$/.exec(entry);
  return m ? { volumeName: `pvc-${m[1]}`, namespace: m[2]!, name: m[3]! } : undefined;
}
