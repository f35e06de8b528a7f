// `kctl cluster-info`, `kctl version` (client and server, from GET /version) and
// `kctl api-resources` (the resource table: names, short names, scope, kind).
import type { Command } from './command.js';
import { connect, KCTL_VERSION } from './connection.js';
import { UsageError } from './errors.js';
import { formatColumns, toJson, toYaml } from './printers.js';

interface ServerVersion {
  major?: string;
  minor?: string;
  gitVersion?: string;
  platform?: string;
  [k: string]: unknown;
}

export const clusterInfo: Command = {
  usage: 'kctl cluster-info',
  summary: 'Display the address of the control plane.',
  options: {},
  async run(flags, io) {
    const conn = await connect(flags);
    await conn.client.request<ServerVersion>('GET', '/version');
    const green = (s: string) => (io.isTTY ? `\x1b[0;32m${s}\x1b[0m` : s);
    const yellow = (s: string) => (io.isTTY ? `\x1b[0;33m${s}\x1b[0m` : s);
    io.out(`${green('Kubernetes control plane')} is running at ${yellow(conn.server)}\n\n`);
    io.out(`To further debug and diagnose cluster problems, use 'kctl get events -A' and 'kctl describe node'.\n`);
  },
};

export const version: Command = {
  usage: 'kctl version [--client] [-o json|yaml]',
  summary: 'Print the client and server version information.',
  options: {
    client: { type: 'boolean', help: 'only the client version (no server needed)' },
    output: { type: 'string', short: 'o', help: 'json or yaml' },
  },
  async run(flags, io) {
    const out = flags.string('output');
    if (out && out !== 'json' && out !== 'yaml') throw new UsageError('--output must be \'yaml\' or \'json\'');
    const clientVersion = { gitVersion: `v${KCTL_VERSION}-kctl`, platform: `${process.platform}/${process.arch}`, nodeVersion: process.version };
    let serverVersion: ServerVersion | undefined;
    let serverError: unknown;
    if (!flags.bool('client')) {
      try {
        const conn = await connect(flags);
        serverVersion = await conn.client.request<ServerVersion>('GET', '/version');
      } catch (e) {
        serverError = e;
      }
    }
    if (out) {
      const doc = { clientVersion, ...(serverVersion ? { serverVersion } : {}) };
      io.out(out === 'json' ? toJson(doc) : toYaml(doc));
    } else {
      io.out(`Client Version: ${clientVersion.gitVersion}\n`);
      if (serverVersion) io.out(`Server Version: ${serverVersion.gitVersion ?? `v${serverVersion.major}.${serverVersion.minor}`}\n`);
    }
    if (serverError) throw serverError;
  },
};

export const apiResources: Command = {
  usage: 'kctl api-resources [--namespaced=true|false] [-o name]',
  summary: 'Print the supported API resources.',
  options: {
    namespaced: { type: 'string', help: 'true or false: only namespaced or only cluster-scoped kinds' },
    output: { type: 'string', short: 'o', help: 'name: only the resource names' },
  },
  async run(flags, io) {
    const { RESOURCES, apiVersionOf } = await import('../../api/resources.js');
    const ns = flags.string('namespaced');
    const rows = RESOURCES.filter((r) => ns === undefined || String(r.namespaced) === ns);
    if (flags.string('output') === 'name') {
      for (const r of rows) io.out(`${r.group ? `${r.plural}.${r.group}` : r.plural}\n`);
      return;
    }
    io.out(
      formatColumns([
        ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND'],
        ...rows.map((r) => [r.plural, r.shortNames.join(','), apiVersionOf(r), String(r.namespaced), r.kind]),
      ]),
    );
  },
};
