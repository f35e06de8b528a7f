// Output: server-side Tables rendered like kubectl's table printer (uppercase headers,
// columns padded to the widest cell plus 3 spaces, NAMESPACE first with -A, priority-1
// columns only with -o wide, LABELS with --show-labels), and -o yaml|json|name|jsonpath=….
// The columns themselves live on the server (one place); kctl only lays them out.
import yaml from 'js-yaml';
import type { KubeObject } from '../../api/meta.js';
import { age, humanDuration } from '../../api/duration.js';
import { evaluateTemplate } from './jsonpath.js';
import { UsageError } from './errors.js';
import { apiVersionOfInfo, kindName, type ResourceInfo } from './resource-args.js';

/** What kubectl puts in its Accept header for `get`. */
export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

export interface TableColumnDefinition {
  name: string;
  type?: string;
  format?: string;
  description?: string;
  priority?: number;
}

export interface TableRow {
  cells: unknown[];
  object?: { metadata?: KubeObject['metadata']; kind?: string; apiVersion?: string };
  conditions?: unknown[];
}

export interface Table {
  kind: 'Table';
  apiVersion?: string;
  metadata?: { resourceVersion?: string; continue?: string };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

export function isTable(x: unknown): x is Table {
  return !!x && typeof x === 'object' && (x as { kind?: unknown }).kind === 'Table' && Array.isArray((x as Table).rows);
}

export interface TablePrintOptions {
  wide?: boolean;
  /** -A: a NAMESPACE column first, from each row's object metadata. */
  withNamespace?: boolean;
  /** --show-labels: a LABELS column last. */
  showLabels?: boolean;
  noHeaders?: boolean;
  /** Prefix names with `kind/` (several kinds in one get). */
  kindPrefix?: string;
}

/** Render a cell as kubectl does. */
export function formatCell(v: unknown): string {
  if (v === null || v === undefined) return '<none>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function labelsText(labels: Record<string, string> | null | undefined): string {
  const entries = Object.entries(labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(',') : '<none>';
}

/** The header and the rows of a Table as strings, with kubectl's column choices applied. */
export function tableCells(table: Table, opts: TablePrintOptions = {}): { header: string[]; rows: string[][] } {
  const visible = table.columnDefinitions
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => opts.wide || !c.priority);
  const header = visible.map(({ c }) => c.name.toUpperCase());
  if (opts.withNamespace) header.unshift('NAMESPACE');
  if (opts.showLabels) header.push('LABELS');
  const rows = table.rows.map((r) => {
    const cells = visible.map(({ i }) => formatCell(r.cells[i]));
    if (opts.kindPrefix && cells.length > 0) cells[0] = `${opts.kindPrefix}/${cells[0]}`;
    if (opts.withNamespace) cells.unshift(r.object?.metadata?.namespace ?? '');
    if (opts.showLabels) cells.push(labelsText(r.object?.metadata?.labels));
    return cells;
  });
  return { header, rows };
}

/**
 * Lay out rows in columns like Go's tabwriter as kubectl configures it (minwidth 6,
 * padding 3): each column but the last is as wide as its widest cell plus 3 (at least 6).
 * `widths` carries column widths between calls (watch rows keep the first table's layout).
 */
export function formatColumns(rows: string[][], widths: number[] = []): string {
  for (const r of rows) {
    r.forEach((cell, c) => {
      if (c < r.length - 1) widths[c] = Math.max(widths[c] ?? 0, cell.length + 3, 6);
    });
  }
  return rows
    .map((r) => r.map((cell, c) => (c < r.length - 1 ? cell.padEnd(widths[c]!) : cell)).join('').trimEnd())
    .map((l) => l + '\n')
    .join('');
}

export function renderTable(table: Table, opts: TablePrintOptions = {}, widths: number[] = []): string {
  const { header, rows } = tableCells(table, opts);
  return formatColumns(opts.noHeaders ? rows : [header, ...rows], widths);
}


/** A NAME/AGE Table built client-side, for a server that answered plain JSON. */
export function tableFromObjects(objects: KubeObject[], nowMs = Date.now()): Table {
  return {
    kind: 'Table',
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name' },
      { name: 'Age', type: 'string' },
    ],
    rows: objects.map((o) => ({ cells: [o.metadata.name ?? '', age(o.metadata.creationTimestamp, nowMs)], object: { metadata: o.metadata } })),
  };
}

export type OutputFormat =
  | { kind: 'table'; wide: boolean }
  | { kind: 'yaml' }
  | { kind: 'json' }
  | { kind: 'name' }
  | { kind: 'jsonpath'; template: string };

/** Parse -o: '', wide, yaml, json, name, jsonpath=…, jsonpath-as-json is not supported. */
export function parseOutputFormat(o: string | undefined): OutputFormat {
  if (o === undefined || o === '') return { kind: 'table', wide: false };
  if (o === 'wide') return { kind: 'table', wide: true };
  if (o === 'yaml') return { kind: 'yaml' };
  if (o === 'json') return { kind: 'json' };
  if (o === 'name') return { kind: 'name' };
  const jp = /^jsonpath=(.*)$/s.exec(o);
  if (jp) return { kind: 'jsonpath', template: jp[1]! };
  throw new UsageError(
    `unable to match a printer suitable for the output format "${o}", allowed formats are: json,jsonpath,name,wide,yaml`,
  );
}

/** Give an object its apiVersion/kind (lists from the server leave them off items). */
export function withTypeMeta(obj: KubeObject, info: ResourceInfo): KubeObject {
  if (obj.apiVersion && obj.kind) return obj;
  return { apiVersion: apiVersionOfInfo(info), kind: info.kind, ...obj };
}

/** What `kubectl get -o yaml|json` prints for several objects: a v1 List. */
export function asList(items: KubeObject[]): Record<string, unknown> {
  return { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
}

export function toYaml(x: unknown): string {
  return yaml.dump(x, { sortKeys: true, lineWidth: -1, noRefs: true, quotingType: '"' });
}

export function toJson(x: unknown): string {
  return JSON.stringify(x, null, 4) + '\n';
}

/** Print objects in a non-table format. `single` → the object itself, else a List. */
export function formatObjects(objects: { obj: KubeObject; info: ResourceInfo }[], format: OutputFormat, single: boolean): string {
  const typed = objects.map(({ obj, info }) => withTypeMeta(obj, info));
  const data = single && typed.length === 1 ? typed[0] : asList(typed);
  switch (format.kind) {
    case 'yaml':
      return toYaml(data);
    case 'json':
      return toJson(data);
    case 'name':
      return objects.map(({ obj, info }) => `${kindName(info)}/${obj.metadata.name}\n`).join('');
    case 'jsonpath':
      return evaluateTemplate(format.template, data);
    case 'table':
      throw new Error('table format needs a Table');
  }
}

/**
 * Go's text/tabwriter as `kubectl describe` uses it (padding 2): lines are tab-separated
 * cells, and a column is aligned across each run of consecutive lines that have a cell
 * there, so an indented block lines up on its own.
 */
export function tabwrite(text: string, padding = 2): string {
  const lines = text.split('\n').map((l) => l.split('\t'));
  const widths: number[][] = lines.map(() => []);
  const format = (start: number, end: number, col: number) => {
    let i = start;
    while (i < end) {
      if (lines[i]!.length - 1 <= col) {
        i++;
        continue;
      }
      let j = i;
      let w = 0;
      while (j < end && lines[j]!.length - 1 > col) {
        w = Math.max(w, lines[j]![col]!.length + padding);
        j++;
      }
      for (let k = i; k < j; k++) widths[k]![col] = w;
      format(i, j, col + 1);
      i = j;
    }
  };
  format(0, lines.length, 0);
  return lines.map((cells, li) => cells.map((c, ci) => (ci < cells.length - 1 ? c.padEnd(widths[li]![ci]!) : c)).join('').trimEnd()).join('\n');
}

export { age, humanDuration };
