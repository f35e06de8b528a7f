// The user a request was authenticated as, attached to the request for the authorizer, the
// registry (SelfSubjectReview, later admission and field managers) and logs.
import type { IncomingMessage } from 'node:http';
import type { UserInfo } from './user.js';

const USER = Symbol('skiff.user');

export function setUser(req: IncomingMessage, user: UserInfo): void {
  (req as IncomingMessage & { [USER]?: UserInfo })[USER] = user;
}

/** The request's user; undefined only for a request that never went through authentication. */
export function userOf(req: IncomingMessage): UserInfo | undefined {
  return (req as IncomingMessage & { [USER]?: UserInfo })[USER];
}
