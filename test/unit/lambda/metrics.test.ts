import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/lambda/metrics.js';

interface EmfDocument {
  _aws: { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> };
  [key: string]: unknown;
}

function flushed(fill: (metrics: ReturnType<typeof createMetrics>) => void): string[] {
  const lines: string[] = [];
  const metrics = createMetrics({ functionName: 'mongodb-backup', write: (line) => lines.push(line), now: () => 1_790_000_000_000 });
  fill(metrics);
  metrics.flush();
  return lines;
}

describe('EMF metrics', () => {
  it('writes one JSON line that CloudWatch turns into metrics in namespace mongosafe, per FunctionName', () => {
    const lines = flushed((metrics) => {
      metrics.setProperty('requestId', 'req-1');
      metrics.put('BackupSucceeded', 1);
      metrics.put('BackupBytes', 123_456);
      metrics.put('BackupDocuments', 5123);
      metrics.put('BackupDurationSeconds', 70.3);
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith('\n')).toBe(true);
    expect(lines[0]?.trimEnd()).not.toContain('\n');
    const doc = JSON.parse(lines[0] ?? '') as EmfDocument;
    const directive = doc._aws.CloudWatchMetrics[0];
    expect(doc._aws.Timestamp).toBe(1_790_000_000_000);
    expect(directive?.Namespace).toBe('mongosafe');
    expect(directive?.Dimensions).toEqual([['FunctionName']]);
    expect(directive?.Metrics).toEqual([
      { Name: 'BackupSucceeded', Unit: 'Count' },
      { Name: 'BackupBytes', Unit: 'Bytes' },
      { Name: 'BackupDocuments', Unit: 'Count' },
      { Name: 'BackupDurationSeconds', Unit: 'Seconds' },
    ]);
    // Every dimension and every metric is a top-level key holding its value.
    for (const name of directive?.Dimensions.flat() ?? []) expect(typeof doc[name]).toBe('string');
    for (const { Name } of directive?.Metrics ?? []) expect(typeof doc[Name]).toBe('number');
    expect(doc).toMatchObject({ FunctionName: 'mongodb-backup', BackupSucceeded: 1, BackupBytes: 123_456, BackupDocuments: 5123, BackupDurationSeconds: 70.3, requestId: 'req-1' });
  });

  it('reports a failure as BackupSucceeded 0', () => {
    const doc = JSON.parse(flushed((metrics) => metrics.put('BackupSucceeded', 0))[0] ?? '') as EmfDocument;
    expect(doc.BackupSucceeded).toBe(0);
    expect(doc._aws.CloudWatchMetrics[0]?.Metrics).toEqual([{ Name: 'BackupSucceeded', Unit: 'Count' }]);
  });

  it('writes nothing when nothing was measured, and each value once', () => {
    expect(flushed(() => {})).toEqual([]);
    const lines: string[] = [];
    const metrics = createMetrics({ functionName: 'f', write: (line) => lines.push(line) });
    metrics.put('BackupSucceeded', 0);
    metrics.put('BackupSucceeded', 1);
    metrics.flush();
    metrics.flush();
    expect(lines).toHaveLength(1);
    expect((JSON.parse(lines[0] ?? '') as EmfDocument).BackupSucceeded).toBe(1);
  });
});
