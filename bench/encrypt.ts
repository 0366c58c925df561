// Issue 17: what client-side encryption costs. Per dataset and round, one mongosafe backup with
// `--encrypt key-file:` and one without, then a restore and a verify of each, the order rotated
// each round, every command measured from outside like the db part's.
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { alternate, sizeOf } from './measure.js';
import type { MongosafeCommands } from './mongosafe-cli.js';
import { summarizeEncryption, type EncryptOperation, type LoadedDataset, type EncryptRow, type EncryptSummary, type Side } from './report.js';

export interface EncryptBench extends LoadedDataset {
  mongosafe: MongosafeCommands;
  /** A scratch folder of the run's: the backups and the key file go here. */
  work: string;
  rounds: number;
}

export async function benchEncryption({ dataset, mongosafe, work, rounds, dropRestored, log }: EncryptBench): Promise<EncryptSummary[]> {
  // A key file as the docs make one (`openssl rand 32`); a local key keeps KMS latency out of the figures.
  const keyFile = join(work, 'encrypt.key');
  await writeFile(keyFile, randomBytes(32), { mode: 0o600 });
  const key = ['--encrypt', `key-file:${keyFile}`];
  const side = (): Side => ({ runs: [], bytes: 0 });
  const row = (operation: EncryptOperation): EncryptRow => ({ ...dataset, operation, encrypted: side(), plain: side() });
  const [backup, restore, verify] = [row('backup'), row('restore'), row('verify')];
  try {
    for (let round = 0; round < rounds; round++) {
      const plain = join(work, `plain-${round}`);
      const encrypted = join(work, `encrypted-${round}`);
      await alternate(round, [
        [[backup.plain], () => mongosafe.backup(plain)],
        [[backup.encrypted], () => mongosafe.backup(encrypted, ...key)],
      ]);
      backup.plain.bytes = await sizeOf(join(plain, 'data'));
      backup.encrypted.bytes = await sizeOf(join(encrypted, 'data'));
      await alternate(round, [
        [[restore.plain], () => mongosafe.restore('latest', '--from', plain)],
        [[restore.encrypted], () => mongosafe.restore('latest', '--from', encrypted, ...key)],
      ]);
      await alternate(round, [
        [[verify.plain], () => mongosafe.verify('latest', '--from', plain)],
        [[verify.encrypted], () => mongosafe.verify('latest', '--from', encrypted, ...key)],
      ]);
      await dropRestored();
      await rm(plain, { recursive: true, force: true });
      await rm(encrypted, { recursive: true, force: true });
      log(`  ${dataset.dataset} encrypt round ${round + 1}/${rounds} done`);
    }
  } finally {
    await rm(keyFile, { force: true });
  }
  return [backup, restore, verify].map(summarizeEncryption);
}
