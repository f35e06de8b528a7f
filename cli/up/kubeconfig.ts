// The kubeconfigs `skiff up` writes: <data-dir>/kubeconfig (this cluster only), and a
// `skiff` context merged into the user's kubeconfig — the first file of $KUBECONFIG, else
// ~/.kube/config — and made current, as `kind create cluster` does. Other contexts are kept.
import path from 'node:path';
import { defaultKubeconfigPath, mergeKubeconfigContext } from '../../client/kubeconfig.js';

export const CONTEXT_NAME = 'skiff';

/** Which user kubeconfig to merge into: the first $KUBECONFIG entry, else ~/.kube/config. */
export function userKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const first = (env.KUBECONFIG ?? '').split(path.delimiter).find((p) => p !== '');
  return first ?? defaultKubeconfigPath(env);
}

export function writeKubeconfigs(dataDirFile: string, server: string, env: NodeJS.ProcessEnv = process.env): { own: string; user: string } {
  mergeKubeconfigContext(dataDirFile, { name: CONTEXT_NAME, server });
  const user = userKubeconfigPath(env);
  mergeKubeconfigContext(user, { name: CONTEXT_NAME, server });
  return { own: dataDirFile, user };
}
