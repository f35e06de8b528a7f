// `skiff up --registry [PORT]`: the CNCF Distribution registry (Debian's `docker-registry`)
// as one more supervised component, so images pushed with any OCI tool to localhost:PORT/NAME
// can be run on the cluster's nodes. It listens on loopback only, over plain HTTP: the
// kubelets (on this host) treat localhost:PORT as plain HTTP as Docker does
// (kubelet/images/registry-client.ts isLoopbackRegistry), and nothing off the host reaches it.
//
//   <data-dir>/registry/config.yml     written at every start (the port may change)
//   <data-dir>/registry/docker/…       the registry's own storage (filesystem driver)
import fs from 'node:fs';
import path from 'node:path';

export const DEFAULT_REGISTRY_PORT = 5000;
export const DEFAULT_REGISTRY_BIN = '/usr/bin/docker-registry';

export function registryDir(dataDir: string): string {
  return path.join(dataDir, 'registry');
}

export function registryConfigPath(dataDir: string): string {
  return path.join(registryDir(dataDir), 'config.yml');
}

/**
 * Distribution's configuration (docs/configuration.md of distribution v2.8): filesystem storage
 * in the data dir, deletes allowed (so `skopeo delete` and a registry GC can free space), loopback
 * only. Pure. Paths are quoted: a data dir may hold spaces or a ':'.
 */
export function registryConfig(dataDir: string, port: number): string {
  return [
    'version: 0.1',
    'log:',
    '  level: info',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(registryDir(dataDir))}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${JSON.stringify(`127.0.0.1:${port}`)}`,
    '',
  ].join('\n');
}

export function writeRegistryConfig(dataDir: string, port: number): string {
  fs.mkdirSync(registryDir(dataDir), { recursive: true, mode: 0o755 });
  const file = registryConfigPath(dataDir);
  fs.writeFileSync(file, registryConfig(dataDir, port));
  return file;
}

/** The name images are pushed under and pods name them by: localhost:PORT/NAME. Pure. */
export function registryHost(port: number): string {
  return `localhost:${port}`;
}
