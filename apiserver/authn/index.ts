// Authentication: who sent a request (see chain.ts for the rules).
export * from './authenticator.js';
export * from './chain.js';
export * from './context.js';
export * from './token-file.js';
export * from './user.js';
export { X509Authenticator } from './x509.js';
export { BearerTokenAuthenticator } from './bearer-token.js';
export { RequestHeaderAuthenticator, DEFAULT_REQUEST_HEADERS, type RequestHeaderOptions } from './request-header.js';
