// The shared storage contract suite, run against a real etcd (Debian's etcd-server, started
// privately on loopback). Each opened store gets its own key prefix; revisions are etcd's.
import { afterAll, beforeAll, describe } from 'vitest';
import { openEtcdStorage } from '../../../apiserver/storage/etcd.js';
import { EtcdServer, findEtcd } from './etcd-server.js';
import { storageContract } from './storage-contract.js';

const etcd = findEtcd();
if (!etcd.bin) console.warn(`SKIPPING etcd storage contract tests: ${etcd.reason}`);

describe.skipIf(!etcd.bin)('etcd backend', () => {
  let server: EtcdServer;
  let n = 0;
  beforeAll(async () => {
    server = await EtcdServer.start(etcd.bin!);
  });
  afterAll(async () => {
    await server?.destroy();
  });
  storageContract('etcd', () => openEtcdStorage({ endpoints: [server.url], prefix: `/contract-${n++}` }));
});
