import { join } from 'node:path';
import { openStorage } from '../../src/storage/registry.js';
import { withRetry } from '../../src/storage/retry.js';
import { tempDir } from '../helpers/temp-dir.js';
import { describeStorageContract } from './storage.contract.js';

describeStorageContract('retry(local)', async () => withRetry(await openStorage(join(await tempDir(), 'backups')), { attempts: 3, baseDelayMs: 1 }));
