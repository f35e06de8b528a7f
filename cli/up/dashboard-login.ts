// The dashboard's login link: a ServiceAccount `skiff-dashboard-admin` in kube-system bound to
// cluster-admin, and a short-lived token for it from the TokenRequest API (what `kubectl
// create token` asks for). A real credential the API server already checks on every request
// (signature, audience, expiry, and that the ServiceAccount still exists — deleting it
// revokes every link); it goes in the URL's fragment, which browsers never send to a server.
import { isStatusError } from '../../api/errors.js';
import type { RestClient } from '../../client/rest.js';

export const DASHBOARD_SERVICE_ACCOUNT = 'skiff-dashboard-admin';
export const DASHBOARD_NAMESPACE = 'kube-system';
/** One hour, as `kubectl create token`'s default; `kubectl create token` mints more. */
export const DASHBOARD_TOKEN_SECONDS = 3600;

async function ensure(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (e) {
    if (!isStatusError(e, 'AlreadyExists')) throw e;
  }
}

/** Makes (or keeps) the ServiceAccount and its binding; returns the login URL. */
export async function dashboardLoginLink(admin: RestClient, server: string, expirationSeconds = DASHBOARD_TOKEN_SECONDS): Promise<string> {
  await ensure(() => admin.resource('ServiceAccount').create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DASHBOARD_SERVICE_ACCOUNT, namespace: DASHBOARD_NAMESPACE } }, { namespace: DASHBOARD_NAMESPACE }));
  await ensure(() => admin.resource('ClusterRoleBinding').create({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding',
    metadata: { name: DASHBOARD_SERVICE_ACCOUNT, labels: { 'app.kubernetes.io/managed-by': 'skiff-up' } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ kind: 'ServiceAccount', name: DASHBOARD_SERVICE_ACCOUNT, namespace: DASHBOARD_NAMESPACE }],
  } as never));
  const tr = await admin.request<{ status: { token: string } }>('POST', `/api/v1/namespaces/${DASHBOARD_NAMESPACE}/serviceaccounts/${DASHBOARD_SERVICE_ACCOUNT}/token`, {
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds } },
  });
  return `${server}/dashboard/#token=${encodeURIComponent(tr.status.token)}`;
}
