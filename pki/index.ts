export * from './keys.js';
export * from './certificates.js';
export * from './csr.js';
export * from './files.js';
