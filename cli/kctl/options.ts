// The shape of kctl's flag definitions and the global flags every command takes. Apart from
// flags.ts (the parser) so that the launcher's command-word scan (command-word.ts) carries
// nothing else.

export interface OptionDef {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** One line for --help. */
  help?: string;
}
export type OptionDefs = Record<string, OptionDef>;

export const GLOBAL_OPTIONS: OptionDefs = {
  kubeconfig: { type: 'string', help: 'path to the kubeconfig file' },
  context: { type: 'string', help: 'the kubeconfig context to use' },
  server: { type: 'string', short: 's', help: 'the address of the API server (overrides the kubeconfig)' },
  namespace: { type: 'string', short: 'n', help: 'the namespace scope for this request' },
  'request-timeout': { type: 'string', help: 'how long to wait for a single request (e.g. 10s); 0 = no limit' },
  token: { type: 'string', help: 'bearer token for authentication to the API server' },
  'certificate-authority': { type: 'string', help: 'path to a cert file for the certificate authority' },
  'client-certificate': { type: 'string', help: 'path to a client certificate file for TLS' },
  'client-key': { type: 'string', help: 'path to a client key file for TLS' },
  'insecure-skip-tls-verify': { type: 'boolean', help: "do not check the server's certificate (insecure)" },
  as: { type: 'string', help: 'act as this user (impersonation; needs the impersonate verb)' },
  'as-group': { type: 'string', multiple: true, help: 'act as this group (repeatable; needs --as)' },
  'as-uid': { type: 'string', help: 'act with this UID (needs --as)' },
  'cache-dir': { type: 'string', help: 'the cache directory (default ~/.kube/cache, or $KUBECACHEDIR): discovery is kept there 6 hours' },
  help: { type: 'boolean', short: 'h', help: 'help for this command' },
};
