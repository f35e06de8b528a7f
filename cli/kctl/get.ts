// `kctl get KIND [NAME…]` and `kctl events`: asks for server-side Tables exactly like
// kubectl (Accept: application/json;as=Table;v=v1;g=meta.k8s.io) so the columns are
// defined once, on the server; -o yaml|json|name|jsonpath fetch plain objects; -w lists,
// then watches from the list's resourceVersion and prints each change as a row.
// It talks through the small ApiHttp client and resolves kinds by discovery, so it starts
// without loading the full REST client and object model (see the kctl benchmark).
import { join } from 'node:path';
import type { KubeObject, KubeList } from '../../api/meta.js';
import type { Command, Output } from './command.js';
import { resolveTarget, type Target } from './target.js';
import { cachedDiscovery, cacheRoot, DISCOVERY_CACHE_FILE, discoveryCacheDir } from './discovery.js';
import { ApiHttp } from './http.js';
import { formatError, isNotFound, ReportedFailure, UsageError } from './errors.js';
import type { Flags, OptionDefs } from './flags.js';
import {
  formatColumns,
  formatObjects,
  isTable,
  parseOutputFormat,
  renderTable,
  TABLE_ACCEPT,
  tableCells,
  tableFromObjects,
  toJson,
  toYaml,
  withTypeMeta,
  type OutputFormat,
  type Table,
} from './printers.js';
import { collectionPath, kindName, objectPath, parseResourceArgs, resolveKind, useCatalog, type ResourceInfo, type ResourceSelection } from './resource-args.js';

/** The server, namespace and HTTP client a get runs with. */
interface Connection extends Target {
  api: ApiHttp;
}

const GET_OPTIONS: OptionDefs = {
  output: { type: 'string', short: 'o', help: 'output format: wide|yaml|json|name|jsonpath=TEMPLATE' },
  selector: { type: 'string', short: 'l', help: 'label selector, e.g. app=web,tier!=db' },
  'field-selector': { type: 'string', help: 'field selector, e.g. status.phase=Running,spec.nodeName=node-1' },
  'all-namespaces': { type: 'boolean', short: 'A', help: 'list across all namespaces' },
  watch: { type: 'boolean', short: 'w', help: 'after listing, watch for changes' },
  'watch-only': { type: 'boolean', help: 'watch for changes without listing first' },
  'show-labels': { type: 'boolean', help: 'show labels as the last column' },
  'no-headers': { type: 'boolean', help: 'do not print headers' },
  'chunk-size': { type: 'string', help: 'page size for lists (default 500)' },
};

export interface GetRequest {
  selections: ResourceSelection[];
  namespace: string | undefined; // undefined = all namespaces
  labelSelector?: string;
  fieldSelector?: string;
  chunkSize: number;
}

/**
 * Fetch one kind as a Table: named objects one by one, or the collection page by page. Rows
 * carry each object's metadata (the server's default) only when `withObjects`: a printer that
 * shows neither namespaces nor labels asks with includeObject=None, a third of the bytes to
 * send and parse.
 */
async function fetchTable(
  conn: Connection,
  info: ResourceInfo,
  req: GetRequest,
  names: string[],
  notFound: unknown[],
  withObjects = true,
): Promise<Table> {
  const tables: Table[] = [];
  const includeObject = withObjects ? undefined : 'None';
  if (names.length > 0) {
    for (const name of names) {
      try {
        const res = await conn.api.getJson<unknown>(objectPath(info, req.namespace ?? conn.namespace, name), { includeObject }, TABLE_ACCEPT);
        tables.push(isTable(res) ? res : tableFromObjects([res as KubeObject]));
      } catch (e) {
        if (isNotFound(e)) notFound.push(e);
        else throw e;
      }
    }
  } else {
    let cont: string | undefined;
    do {
      const res = await conn.api.getJson<unknown>(
        collectionPath(info, req.namespace),
        { limit: req.chunkSize, continue: cont, labelSelector: req.labelSelector, fieldSelector: req.fieldSelector, includeObject },
        TABLE_ACCEPT,
      );
      const table = isTable(res) ? res : tableFromObjects((res as KubeList).items ?? []);
      if (!isTable(res)) table.metadata = { resourceVersion: (res as KubeList).metadata?.resourceVersion };
      tables.push(table);
      cont = table.metadata?.continue || undefined;
    } while (cont);
  }
  const first = tables.find((t) => t.columnDefinitions?.length) ?? tables[0];
  return {
    kind: 'Table',
    columnDefinitions: first?.columnDefinitions ?? [],
    rows: tables.flatMap((t) => t.rows ?? []),
    metadata: { resourceVersion: tables[0]?.metadata?.resourceVersion },
  };
}

/** Fetch objects (for yaml/json/name/jsonpath). */
async function fetchObjects(conn: Connection, info: ResourceInfo, req: GetRequest, names: string[], notFound: unknown[]): Promise<KubeObject[]> {
  if (names.length > 0) {
    const out: KubeObject[] = [];
    for (const name of names) {
      try {
        out.push(await conn.api.getJson<KubeObject>(objectPath(info, req.namespace ?? conn.namespace, name)));
      } catch (e) {
        if (isNotFound(e)) notFound.push(e);
        else throw e;
      }
    }
    return out;
  }
  return (await listObjects(conn, info, req, req.fieldSelector)).items;
}

/** Every page of a collection as objects, and the list's resourceVersion. */
async function listObjects(conn: Connection, info: ResourceInfo, req: GetRequest, fieldSelector: string | undefined): Promise<{ items: KubeObject[]; resourceVersion?: string }> {
  const items: KubeObject[] = [];
  let cont: string | undefined;
  let resourceVersion: string | undefined;
  do {
    const page = await conn.api.getJson<KubeList>(collectionPath(info, req.namespace), {
      limit: req.chunkSize, continue: cont, labelSelector: req.labelSelector, fieldSelector,
    });
    items.push(...(page.items ?? []));
    resourceVersion ??= page.metadata?.resourceVersion;
    cont = page.metadata?.continue || undefined;
  } while (cont);
  return { items, resourceVersion };
}

function noResourcesMessage(req: GetRequest, infos: ResourceInfo[]): string {
  if (req.namespace === undefined || infos.every((i) => !i.namespaced)) return 'No resources found\n';
  return `No resources found in ${req.namespace} namespace.\n`;
}

export async function runGet(flags: Flags, io: Output, positionals: string[], forObject?: { kind: string; name: string }): Promise<void> {
  const format = parseOutputFormat(flags.string('output'));
  if (positionals.length === 0) parseResourceArgs(positionals, 'get'); // the usage error, before any request
  const target = await resolveTarget(flags);
  const conn: Connection = { ...target, api: new ApiHttp(target.server, target.requestTimeoutMs || 30_000, target.credentials) };
  const cacheFile = join(discoveryCacheDir(cacheRoot(flags.string('cache-dir')), target.server), DISCOVERY_CACHE_FILE);
  let discovered = await cachedDiscovery(conn.api, cacheFile);
  useCatalog(discovered.resources);
  // A cached list may predate a resource (a CRD, an upgrade): on a name it does not know, ask
  // the server once more, as kubectl's deferred REST mapper does on a miss, and let that decide.
  const resolved = async <T>(resolve: () => T): Promise<T> => {
    try {
      return resolve();
    } catch (e) {
      if (discovered.fresh || !(e instanceof UsageError)) throw e;
      discovered = await cachedDiscovery(conn.api, cacheFile, true);
      useCatalog(discovered.resources);
      return resolve();
    }
  };
  const selections = await resolved(() => parseResourceArgs(positionals, 'get'));
  if (forObject) {
    // `events --for KIND/NAME`: the events whose involvedObject is that object.
    const info = await resolved(() => resolveKind(forObject.kind));
    flags.values['field-selector'] = [`involvedObject.kind=${info.kind}`, `involvedObject.name=${forObject.name}`, flags.string('field-selector')].filter(Boolean).join(',');
  }
  const watch = flags.bool('watch') || flags.bool('watch-only');
  if (watch && selections.length > 1) throw new UsageError('you may only specify a single resource type');
  const allNs = flags.bool('all-namespaces');
  const req: GetRequest = {
    selections,
    namespace: allNs ? undefined : conn.namespace,
    labelSelector: flags.string('selector'),
    fieldSelector: flags.string('field-selector'),
    chunkSize: flags.int('chunk-size') ?? 500,
  };
  const notFound: unknown[] = [];
  const multiKind = selections.length > 1;
  const printOpts = {
    wide: format.kind === 'table' && format.wide,
    withNamespace: allNs,
    showLabels: flags.bool('show-labels'),
    noHeaders: flags.bool('no-headers'),
  };

  if (watch) {
    const sel = selections[0]!;
    await runWatch(conn, io, sel.info, req, sel.names, format, printOpts, !flags.bool('watch-only'));
    return;
  }

  let printedAny = false;
  if (format.kind === 'table') {
    let first = true;
    for (const sel of selections) {
      const withNs = allNs && sel.info.namespaced;
      const table = await fetchTable(conn, sel.info, req, sel.names, notFound, withNs || printOpts.showLabels);
      if (table.rows.length === 0) continue;
      if (!first) io.out('\n');
      first = false;
      io.out(renderTable(table, { ...printOpts, withNamespace: withNs, ...(multiKind ? { kindPrefix: kindName(sel.info) } : {}) }));
      printedAny = true;
    }
  } else {
    const objects: { obj: KubeObject; info: ResourceInfo }[] = [];
    for (const sel of selections) {
      for (const obj of await fetchObjects(conn, sel.info, req, sel.names, notFound)) objects.push({ obj, info: sel.info });
    }
    const single = selections.length === 1 && selections[0]!.names.length === 1;
    if (objects.length > 0 || format.kind === 'json' || format.kind === 'yaml') {
      io.out(formatObjects(objects, format, single));
      printedAny = objects.length > 0;
    }
    if (objects.length === 0 && notFound.length === 0 && format.kind === 'name') printedAny = false;
  }
  for (const e of notFound) io.err(formatError(e) + '\n');
  if (notFound.length > 0) throw new ReportedFailure(1);
  const anyNamed = selections.some((s) => s.names.length > 0);
  if (!printedAny && !anyNamed && (format.kind === 'table' || format.kind === 'name')) {
    io.err(noResourcesMessage(req, selections.map((s) => s.info)));
  }
}

async function runWatch(
  conn: Connection,
  io: Output,
  info: ResourceInfo,
  req: GetRequest,
  names: string[],
  format: OutputFormat,
  printOpts: { wide: boolean; withNamespace: boolean; showLabels: boolean; noHeaders: boolean },
  listFirst: boolean,
): Promise<void> {
  if (names.length > 1) throw new UsageError('watch is only supported on individual resources and resource collections, but 2 resources were found');
  const fieldSelector = [req.fieldSelector, names[0] ? `metadata.name=${names[0]}` : undefined].filter(Boolean).join(',') || undefined;
  const listReq = { ...req, fieldSelector };
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const withNs = printOpts.withNamespace && info.namespaced;
  const widths: number[] = [];
  let columns: Table['columnDefinitions'] | undefined;
  let rv: string | undefined;

  if (format.kind === 'table') {
    const table = await fetchTable(conn, info, listReq, [], []);
    rv = table.metadata?.resourceVersion;
    columns = table.columnDefinitions;
    if (listFirst) {
      if (table.rows.length === 0) io.err(noResourcesMessage(req, [info]));
      // Compute widths from the header and current rows; print only when there are rows.
      const { header, rows } = tableCells(table, { ...printOpts, withNamespace: withNs });
      const text = formatColumns(printOpts.noHeaders ? rows : [header, ...rows], widths);
      if (table.rows.length > 0) io.out(text);
    }
    let headerPrinted = listFirst && table.rows.length > 0;
    const path = collectionPath(info, req.namespace);
    for (;;) {
      let gone = false;
      try {
        for await (const ev of conn.api.watch(path, { resourceVersion: rv, labelSelector: req.labelSelector, fieldSelector, allowWatchBookmarks: true }, TABLE_ACCEPT, controller.signal)) {
          if (ev.type === 'BOOKMARK') {
            rv = (ev.object as KubeObject).metadata?.resourceVersion ?? rv;
            continue;
          }
          if (ev.type === 'ERROR') {
            const code = (ev.object as { code?: number }).code;
            if (code === 410) {
              gone = true;
              break;
            }
            throw Object.assign(new Error('watch error'), { status: ev.object });
          }
          let t: Table;
          if (isTable(ev.object)) {
            t = ev.object;
            if (!t.columnDefinitions?.length) t = { ...t, columnDefinitions: columns ?? [] };
            else columns = t.columnDefinitions;
            rv = t.rows[0]?.object?.metadata?.resourceVersion ?? rv;
          } else {
            const obj = ev.object as KubeObject;
            rv = obj.metadata?.resourceVersion ?? rv;
            t = await rowFor(conn, info, obj, ev.type, columns);
          }
          const { header, rows } = tableCells(t, { ...printOpts, withNamespace: withNs });
          const lines = headerPrinted || printOpts.noHeaders ? rows : [header, ...rows];
          headerPrinted = true;
          io.out(formatColumns(lines, widths));
        }
      } catch (e) {
        if (controller.signal.aborted) return;
        throw e;
      }
      if (controller.signal.aborted) return;
      if (gone) {
        // Our resourceVersion is older than the server keeps: start over from a fresh list.
        const fresh = await fetchTable(conn, info, listReq, [], []);
        rv = fresh.metadata?.resourceVersion;
      }
      // The server closed the stream (its watch timeout): continue from the last version seen.
    }
  }

  // Object formats: list, then print each changed object.
  const list = await listObjects(conn, info, req, fieldSelector);
  rv = list.resourceVersion;
  const print = (obj: KubeObject) => {
    const typed = withTypeMeta(obj, info);
    if (format.kind === 'yaml') io.out(`---\n${toYaml(typed)}`);
    else if (format.kind === 'json') io.out(toJson(typed));
    else io.out(formatObjects([{ obj, info }], format, true));
  };
  if (listFirst) for (const obj of list.items) print(obj);
  for (;;) {
    const w = conn.api.watch(collectionPath(info, req.namespace), { labelSelector: req.labelSelector, fieldSelector, resourceVersion: rv, allowWatchBookmarks: true }, 'application/json', controller.signal);
    try {
      for await (const ev of w) {
        if (ev.type === 'BOOKMARK') continue;
        if (ev.type === 'ERROR') {
          if ((ev.object as { code?: number }).code === 410) {
            rv = (await listObjects(conn, info, req, fieldSelector)).resourceVersion;
            break;
          }
          throw Object.assign(new Error('watch error'), { status: ev.object });
        }
        const obj = ev.object as KubeObject;
        rv = obj.metadata?.resourceVersion ?? rv;
        print(obj);
      }
    } catch (e) {
      if (controller.signal.aborted) return;
      throw e;
    }
    if (controller.signal.aborted) return;
  }
}

/** A one-row Table for an object a server sent without Table conversion on its watch. */
async function rowFor(conn: Connection, info: ResourceInfo, obj: KubeObject, type: string, columns: Table['columnDefinitions'] | undefined): Promise<Table> {
  if (type !== 'DELETED' && obj.metadata.name) {
    try {
      const t = await conn.api.getJson<unknown>(objectPath(info, obj.metadata.namespace, obj.metadata.name), undefined, TABLE_ACCEPT);
      if (isTable(t)) return t;
    } catch {
      // fall through to a NAME-only row
    }
  }
  const fallback = tableFromObjects([obj]);
  if (!columns?.length) return fallback;
  const cells = columns.map((c, i) => (i === 0 ? obj.metadata.name : c.name.toLowerCase() === 'age' ? fallback.rows[0]!.cells[1] : ''));
  return { kind: 'Table', columnDefinitions: columns, rows: [{ cells, object: { metadata: obj.metadata } }] };
}

export const get: Command = {
  usage: 'kctl get KIND[,KIND…] [NAME…] | KIND/NAME… [-o wide|yaml|json|name|jsonpath=…] [-l SELECTOR] [-A] [-w]',
  summary: 'Display one or many resources.',
  options: GET_OPTIONS,
  run: (flags, io) => runGet(flags, io, flags.positionals),
};

/** `kctl events`: the events of a namespace (`get events`). */
export const events: Command = {
  usage: 'kctl events [-A] [-w] [--for KIND/NAME]',
  summary: 'List events.',
  options: { ...GET_OPTIONS, for: { type: 'string', help: 'only events about this object, e.g. pod/web-1' } },
  run: async (flags, io) => {
    const forObj = flags.string('for');
    const [kind, name] = forObj?.split('/') ?? [];
    if (forObj && (!kind || !name)) throw new UsageError(`--for must be KIND/NAME, got "${forObj}"`);
    await runGet(flags, io, ['events'], kind && name ? { kind, name } : undefined);
  },
};
