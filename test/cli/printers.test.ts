import { describe, expect, it } from 'vitest';
import { resolveResource } from '../../api/resources.js';
import {
  age,
  formatColumns,
  formatObjects,
  humanDuration,
  parseOutputFormat,
  renderTable,
  tabwrite,
  type Table,
} from '../../cli/kctl/printers.js';

const podTable: Table = {
  kind: 'Table',
  columnDefinitions: [
    { name: 'Name', type: 'string', priority: 0 },
    { name: 'Ready', type: 'string', priority: 0 },
    { name: 'Status', type: 'string', priority: 0 },
    { name: 'Restarts', type: 'string', priority: 0 },
    { name: 'Age', type: 'string', priority: 0 },
    { name: 'IP', type: 'string', priority: 1 },
    { name: 'Node', type: 'string', priority: 1 },
    { name: 'Nominated Node', type: 'string', priority: 1 },
  ],
  rows: [
    { cells: ['web-7d4b9c-x2k4p', '1/1', 'Running', 0, '5m', '10.244.1.2', 'node-1', null], object: { metadata: { name: 'web-7d4b9c-x2k4p', namespace: 'default', labels: { app: 'web', 'pod-template-hash': '7d4b9c' } } } },
    { cells: ['hello', '0/1', 'Completed', 0, '12s', '10.244.2.9', 'node-2', null], object: { metadata: { name: 'hello', namespace: 'shop' } } },
  ],
};

describe('renderTable', () => {
  it('uppercases headers and pads columns to the widest cell + 3, hiding priority-1 columns', () => {
    expect(renderTable(podTable)).toBe(
      'NAME               READY   STATUS      RESTARTS   AGE\n' +
        'web-7d4b9c-x2k4p   1/1     Running     0          5m\n' +
        'hello              0/1     Completed   0          12s\n',
    );
  });
  it('-o wide shows priority-1 columns; null cells print <none>', () => {
    const out = renderTable(podTable, { wide: true });
    expect(out.split('\n')[0]).toBe('NAME               READY   STATUS      RESTARTS   AGE   IP           NODE     NOMINATED NODE');
    expect(out.split('\n')[1]).toBe('web-7d4b9c-x2k4p   1/1     Running     0          5m    10.244.1.2   node-1   <none>');
  });
  it('-A puts NAMESPACE first; --show-labels puts LABELS last (sorted, <none> when empty)', () => {
    const out = renderTable(podTable, { withNamespace: true, showLabels: true }).split('\n');
    expect(out[0]).toBe('NAMESPACE   NAME               READY   STATUS      RESTARTS   AGE   LABELS');
    expect(out[1]).toBe('default     web-7d4b9c-x2k4p   1/1     Running     0          5m    app=web,pod-template-hash=7d4b9c');
    expect(out[2]).toBe('shop        hello              0/1     Completed   0          12s   <none>');
  });
  it('--no-headers and a kind prefix (several kinds in one get)', () => {
    expect(renderTable(podTable, { noHeaders: true, kindPrefix: 'pod' }).split('\n')[0]).toBe('pod/web-7d4b9c-x2k4p   1/1   Running     0     5m');
  });
});

describe('formatColumns', () => {
  it('keeps widths across calls (watch rows line up with the first table)', () => {
    const widths: number[] = [];
    formatColumns([['NAME', 'STATUS'], ['a-long-name', 'Running']], widths);
    expect(formatColumns([['b', 'Pending']], widths)).toBe('b             Pending\n');
  });
  it('gives narrow columns a minimum width of 6, like kubectl', () => {
    expect(formatColumns([['A', 'B']])).toBe('A     B\n');
  });
});

describe('tabwrite (describe layout)', () => {
  it('aligns each block of consecutive tabbed lines on its own', () => {
    expect(tabwrite('Name:\tweb\nNamespace:\tdefault\nContainers:\n  web:\n    Image:\thost\n    Port:\t8080/TCP')).toBe(
      'Name:       web\nNamespace:  default\nContainers:\n  web:\n    Image:  host\n    Port:   8080/TCP',
    );
  });
});

describe('humanDuration / age', () => {
  it('reads like kubectl', () => {
    expect(humanDuration(45_000)).toBe('45s');
    expect(humanDuration(119_000)).toBe('119s');
    expect(humanDuration(200_000)).toBe('3m20s');
    expect(humanDuration(12 * 60_000)).toBe('12m');
    expect(humanDuration((5 * 60 + 3) * 60_000)).toBe('5h3m');
    expect(humanDuration(30 * 3_600_000)).toBe('30h');
    expect(humanDuration((2 * 24 + 4) * 3_600_000)).toBe('2d4h');
    expect(humanDuration(400 * 24 * 3_600_000)).toBe('400d');
    expect(humanDuration(-500)).toBe('0s');
  });
  it('of a timestamp', () => {
    expect(age('2026-01-01T00:00:00Z', Date.parse('2026-01-01T00:01:05Z'))).toBe('65s');
    expect(age(undefined)).toBe('<unknown>');
  });
});

describe('output formats', () => {
  const deploy = resolveResource('deploy')!;
  const web = { metadata: { name: 'web', namespace: 'default', resourceVersion: '12' }, spec: { replicas: 3 } };
  it('parses -o values and refuses unknown ones with the allowed list', () => {
    expect(parseOutputFormat(undefined)).toEqual({ kind: 'table', wide: false });
    expect(parseOutputFormat('wide')).toEqual({ kind: 'table', wide: true });
    expect(parseOutputFormat('jsonpath={.a}')).toEqual({ kind: 'jsonpath', template: '{.a}' });
    expect(() => parseOutputFormat('xml')).toThrow(/allowed formats are: json,jsonpath,name,wide,yaml/);
  });
  it('-o name is kind.group/name', () => {
    expect(formatObjects([{ obj: web, info: deploy }], { kind: 'name' }, false)).toBe('deployment.apps/web\n');
  });
  it('-o yaml of one object: sorted keys, typed, strings double-quoted like kubectl', () => {
    const y = formatObjects([{ obj: web, info: deploy }], { kind: 'yaml' }, true);
    expect(y).toBe('apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: default\n  resourceVersion: "12"\nspec:\n  replicas: 3\n');
  });
  it('-o json of several objects is a v1 List', () => {
    const j = JSON.parse(formatObjects([{ obj: web, info: deploy }, { obj: web, info: deploy }], { kind: 'json' }, false));
    expect(j.kind).toBe('List');
    expect(j.items).toHaveLength(2);
    expect(j.items[0].kind).toBe('Deployment');
  });
});
