// SelfSubjectReview (authentication.k8s.io/v1): the caller's own user info, as the
// authentication chain established it — what `kubectl auth whoami` prints. Nothing is stored.
import type { SelfSubjectReview } from '../../api/authentication/index.js';
import type { UserInfo } from '../authn/user.js';

export function selfSubjectReview(user: UserInfo): SelfSubjectReview {
  return {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'SelfSubjectReview',
    metadata: { creationTimestamp: null },
    status: {
      userInfo: {
        username: user.name,
        ...(user.uid ? { uid: user.uid } : {}),
        groups: user.groups,
        ...(user.extra && Object.keys(user.extra).length ? { extra: user.extra } : {}),
      },
    },
  };
}
