import { describe, expect, it } from 'vitest';
import { MongosafeError } from '../../../src/errors.js';
import { failureMessage, type FailureReport } from '../../../src/lambda/notify.js';

const URI = 'mongodb+srv://recipes:canary-7f3a@cluster0.example.net/momsrecipebox?retryWrites=true';

function report(error: unknown, overrides: Partial<FailureReport> = {}): FailureReport {
  return {
    functionName: 'mongodb-backup',
    requestId: 'req-1',
    action: 'backup',
    error,
    destination: 's3://momsrecipebox-mongodb-backups-123456789012/mongosafe',
    databases: ['momsrecipebox'],
    scheduledTime: '2026-11-26T03:00:00.000Z',
    secrets: [URI, 'canary-7f3a'],
    ...overrides,
  };
}

describe('failure notification', () => {
  it('says what failed, where, the error and hint, and how to inspect the last backup', () => {
    const error = new MongosafeError('SOURCE', 'reading momsrecipebox.recipes failed after 1200 documents: connection reset', 'the backup was not completed; run it again when the server is healthy', {
      details: { namespace: 'momsrecipebox.recipes' },
    });
    const { subject, message } = failureMessage(report(error));
    expect(subject).toBe('mongosafe backup FAILED: mongodb-backup');
    expect(message).toContain('Database(s): momsrecipebox');
    expect(message).toContain('Namespace: momsrecipebox.recipes');
    expect(message).toContain('Error (SOURCE): reading momsrecipebox.recipes failed after 1200 documents: connection reset');
    expect(message).toContain('Hint: the backup was not completed');
    expect(message).toContain('Scheduled run: 2026-11-26T03:00:00.000Z');
    expect(message).toContain('mongosafe list --from s3://momsrecipebox-mongodb-backups-123456789012/mongosafe');
    expect(message).toContain('mongosafe inspect latest --from s3://momsrecipebox-mongodb-backups-123456789012/mongosafe');
    expect(message).toContain('request req-1');
  });

  it('names the namespace, key, backup id and kind from the details, never from the message', () => {
    const error = new MongosafeError('CORRUPT', 'backup 20261126T030000Z: sha256 of data/20261126T030000Z/backup.archive.gz is 00, the manifest says 11', 'the stored object was changed after the backup', {
      details: { namespace: 'momsrecipebox.recipes', key: 'data/20261126T030000Z/backup.archive.gz', backupId: '20261126T030000Z', kind: 'checksum' },
    });
    const { message } = failureMessage(report(error));
    expect(message).toContain('Namespace: momsrecipebox.recipes');
    expect(message).toContain('Key: data/20261126T030000Z/backup.archive.gz');
    expect(message).toContain('Backup id: 20261126T030000Z');
    expect(message).toContain('Cause: checksum');

    // A message that merely reads like one names no namespace.
    const secret = failureMessage(report(new MongosafeError('CONFIG', 'reading secret prod.mongodb failed: ResourceNotFoundException'))).message;
    expect(secret).not.toContain('Namespace:');
    expect(secret).not.toContain('Key:');
  });

  it('never carries the connection string or its password, even when an error quotes them', () => {
    const quoted = [
      new Error(`getaddrinfo ENOTFOUND for ${URI}`),
      new MongosafeError('AUTH', 'authentication failed for user recipes (password canary-7f3a)', `check ${URI}`),
      new Error('bad uri mongodb://other:canary-7f3a@10.0.0.1:27017/x'),
    ];
    for (const error of quoted) {
      const { subject, message } = failureMessage(report(error));
      expect(`${subject}\n${message}`).not.toContain('canary-7f3a');
    }
    const redacted = failureMessage(report(quoted[0])).message;
    expect(redacted).toContain('<credentials>@cluster0.example.net');
  });

  it('still helps when the configuration failed before the destination was known', () => {
    const { message } = failureMessage(report(new MongosafeError('CONFIG', 'DESTINATION is not set', 'set it to s3://bucket/prefix'), { destination: undefined, databases: [], scheduledTime: undefined }));
    expect(message).toContain('Database(s): all user databases');
    expect(message).toContain('Error (CONFIG): DESTINATION is not set');
    expect(message).not.toContain('mongosafe list');
  });

  it('keeps the subject within the 100 characters SNS accepts', () => {
    const { subject } = failureMessage(report(new Error('x'), { functionName: 'f'.repeat(120) }));
    expect(subject.length).toBeLessThanOrEqual(100);
  });
});
