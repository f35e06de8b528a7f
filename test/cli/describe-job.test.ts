// `kctl describe job`: kubectl's describeJob layout (spec knobs, times, pod counts, the
// completed indexes of an Indexed Job, the pod template).
import { describe, expect, it } from 'vitest';
import type { Job } from '../../api/batch/index.js';
import { describeJob } from '../../cli/kctl/describe.js';

const job = (spec: Partial<Job['spec']>, status: Job['status']): Job => ({
  metadata: { name: 'pi', namespace: 'default', labels: { 'job-name': 'pi' } },
  spec: {
    parallelism: 2, completions: 5, completionMode: 'NonIndexed', suspend: false, backoffLimit: 4,
    selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } },
    template: { metadata: { labels: { 'job-name': 'pi' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'host' }] } },
    ...spec,
  },
  status,
});

describe('describeJob', () => {
  it('a completed Job: counts, start/completion times and duration', () => {
    const text = describeJob(job({}, { startTime: '2026-01-01T00:00:00Z', completionTime: '2026-01-01T00:00:12Z', succeeded: 5, ready: 0 }));
    const lines = text.split('\n').map((l) => l.replace(/\s+/g, ' ').trim());
    expect(lines).toEqual(expect.arrayContaining([
      'Name: pi', 'Namespace: default', 'Selector: batch.kubernetes.io/controller-uid=u1', 'Labels: job-name=pi', 'Annotations: <none>',
      'Parallelism: 2', 'Completions: 5', 'Completion Mode: NonIndexed', 'Suspend: false', 'Backoff Limit: 4',
      'Start Time: Thu, 01 Jan 2026 00:00:00 +0000', 'Completed At: Thu, 01 Jan 2026 00:00:12 +0000', 'Duration: 12s',
      'Pods Statuses: 0 Active (0 Ready) / 5 Succeeded / 0 Failed', 'Pod Template:',
    ]));
    expect(lines.indexOf('Name: pi')).toBe(0);
  });

  it('an Indexed Job lists its completed indexes; no completions prints <unset>', () => {
    expect(describeJob(job({ completionMode: 'Indexed' }, { completedIndexes: '0-2', active: 2, ready: 1 }))).toMatch(/^Completed Indexes:\s+0-2$/m);
    expect(describeJob(job({ completionMode: 'Indexed' }, {}))).toMatch(/^Completed Indexes:\s+<none>$/m);
    expect(describeJob(job({ completionMode: 'Indexed' }, {}))).not.toMatch(/Failed Indexes/);
    const text = describeJob(job({ completions: undefined, activeDeadlineSeconds: 30 }, { active: 2 }));
    expect(text).toMatch(/^Completions:\s+<unset>$/m);
    expect(text).toMatch(/^Active Deadline Seconds:\s+30s$/m);
    expect(text).toMatch(/^Pods Statuses:\s+2 Active \/ 0 Succeeded \/ 0 Failed$/m);
  });

  it('with backoffLimitPerIndex: the per-index limit, maxFailedIndexes and the failed indexes', () => {
    const text = describeJob(job({ completionMode: 'Indexed', backoffLimitPerIndex: 1, maxFailedIndexes: 2 }, { completedIndexes: '0,2', failedIndexes: '1' }));
    expect(text).toMatch(/^Backoff Limit Per Index:\s+1$/m);
    expect(text).toMatch(/^Max Failed Indexes:\s+2$/m);
    expect(text).toMatch(/^Failed Indexes:\s+1$/m);
  });
});
