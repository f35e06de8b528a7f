// The benchmark results file keeps one table per benchmark and title: a re-run with other
// parameters replaces its table, and only its table.
import { describe, expect, it } from 'vitest';
import { tableKey } from '../bench/report.js';

describe('bench results: which table a re-run replaces', () => {
  it('ignores run parameters: parenthesised parts and numbers', () => {
    expect(tableKey('kubelet pod startup (100 pods, load avg 0.3 on 2 cores)')).toBe(tableKey('kubelet pod startup (30 pods, load avg 7.1 on 2 cores)'));
    expect(tableKey('scheduler: 5000 nodes, 10000 pending pods (2 cores)')).toBe(tableKey('scheduler: 500 nodes, 1,000 pending pods (4 cores)'));
  });

  it('keeps tables of one benchmark apart when their titles differ after a colon', () => {
    const keys = ['embedded storage: writes', 'embedded storage: reads and fan-out (in memory)', 'embedded storage: snapshot and recovery'].map(tableKey);
    expect(new Set(keys).size).toBe(3);
    expect(tableKey('kctl get pods vs kubectl get pods (50 pods)')).not.toBe(tableKey('kctl get pods vs kubectl get pods over HTTPS (50 pods)'));
  });
});
