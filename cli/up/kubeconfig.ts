// The kubeconfigs `skiff up` writes: <data-dir>/kubeconfig (this cluster only), and a
// `skiff` context merged into the user's kubeconfig — the first file of $KUBECONFIG, else
// ~/.kube/config — and made current, as `kind create cluster` does. Other contexts are kept.
// Both carry the cluster CA and the admin's client certificate inline (files are 0600).
import path from 'node:path';
import { defaultKubeconfigPath, mergeKubeconfigContext, type ContextEntry } from '../../client/kubeconfig.js';

export const CONTEXT_NAME = 'skiff';

/** Which user kubeconfig to merge into: the first $KUBECONFIG entry, else ~/.kube/config. */
export function userKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const first = (env.KUBECONFIG ?? '').split(path.delimiter).find((p) => p !== '');
  return first ?? defaultKubeconfigPath(env);
}

export function writeKubeconfigs(dataDirFile: string, entry: Omit<ContextEntry, 'name'>, env: NodeJS.ProcessEnv = process.env): { own: string; user: string } {
  mergeKubeconfigContext(dataDirFile, { name: CONTEXT_NAME, ...entry });
  const user = userKubeconfigPath(env);
  mergeKubeconfigContext(user, { name: CONTEXT_NAME, ...entry });
  return { own: dataDirFile, user };
}
