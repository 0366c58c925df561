import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { type DryRunEvent, withDryRun } from '../../src/storage/dry-run.js';
import { openStorage } from '../../src/storage/registry.js';
import type { Storage } from '../../src/storage/storage.js';
import { tempDir } from '../helpers/temp-dir.js';
import { describeStorageContract } from './storage.contract.js';

let real: Storage | undefined;
const events: DryRunEvent[] = [];

describeStorageContract(
  'dry-run(local)',
  async () => {
    real = await openStorage(join(await tempDir(), 'backups'));
    return withDryRun(real, (event) => events.push(event));
  },
  {
    dryRun: {
      fixtures: () => {
        if (!real) throw new Error('open() runs first');
        return real;
      },
    },
  },
);

afterAll(() => {
  // Every would-be write was reported, with real byte counts.
  expect(events.some((event) => event.action === 'put' && event.bytes === 12 * 1024 * 1024 + 12_345)).toBe(true);
  expect(events.some((event) => event.action === 'delete' && event.existed)).toBe(true);
});
