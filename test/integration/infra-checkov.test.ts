// checkov's Terraform policies over infra/terraform, offline, with the module's
// runner = "lambda" (its defaults, the example) and runner = "fargate" (the
// fixture test/fixtures/terraform-fargate). The module either
// passes a check or skips it in place with `#checkov:skip=ID:reason`; this test
// keeps both honest: no failure, and no skip without a real reason.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHECKOV_DIRECTORIES, installCheckov, runCheckov, type CheckovReport } from '../../scripts/services/checkov.js';
import { REPO_ROOT } from '../../scripts/services/paths.js';
import { hasCommand } from '../../scripts/services/process.js';

const hasPython = await hasCommand('python3');
if (!hasPython) console.log('NOTICE: python3 is not on PATH: the checkov scan of infra/terraform is skipped.');

describe.skipIf(!hasPython)('checkov on infra/terraform', () => {
  let report: CheckovReport;

  beforeAll(async () => {
    const checkov = await installCheckov((line) => console.error(line));
    report = await runCheckov(
      checkov,
      CHECKOV_DIRECTORIES.map((dir) => join(REPO_ROOT, dir)),
    );
    console.log(`checkov ${report.version}: ${report.passed} passed, ${report.failed.length} failed, ${report.skipped.length} skipped`);
  }, 300_000);

  it('parses every file and fails no check', () => {
    expect(report.parsingErrors).toBe(0);
    // The fixture's module call was evaluated: checkov names the module's files
    // relative to the directory scanned, here the fixture's.
    const viaFixture = report.skipped.filter((s) => s.file === '/../../../infra/terraform/modules/mongodb-backup/ecs.tf');
    expect(viaFixture.map((s) => s.checkId).sort()).toEqual(['CKV2_AWS_5', 'CKV_AWS_158', 'CKV_AWS_338']);
    expect(report.passed).toBeGreaterThan(50);
    expect(report.failed.map((f) => `${f.checkId} ${f.resource} (${f.file}): ${f.name}`)).toEqual([]);
  });

  it('justifies every skipped check in a sentence', () => {
    const unjustified = report.skipped.filter((s) => (s.reason ?? '').trim().length < 40);
    expect(unjustified.map((s) => `${s.checkId} ${s.resource}`)).toEqual([]);
  });

  it('skips only checks the module has reasons for (a new skip is a decision: list it here)', () => {
    expect([...new Set(report.skipped.map((s) => s.checkId))].sort()).toEqual(
      [
        'CKV2_AWS_57', // secret rotation: rotated in Atlas, read on every run
        'CKV2_AWS_62', // S3 event notifications: nothing consumes them
        'CKV_AWS_144', // cross-region replication: cost
        'CKV_AWS_145', // S3 KMS: optional (kms_key_arn)
        'CKV_AWS_149', // secret CMK: optional (secret_kms_key_arn)
        'CKV_AWS_158', // log group KMS: logs hold no data or secret
        'CKV_AWS_173', // Lambda env KMS: no secret in the environment
        'CKV_AWS_18', // S3 access logs: optional (access_log_bucket)
        'CKV_AWS_26', // SNS KMS: optional; alias/aws/sns would break alarms
        'CKV_AWS_272', // code signing: zip pinned by source_code_hash
        'CKV_AWS_297', // scheduler CMK: no secret in the schedule
        'CKV_AWS_338', // log retention >= 1 year: a variable, 90 days by default
        'CKV_AWS_50', // X-Ray: one run a day
        'CKV_AWS_117', // VPC: Atlas over TLS, NAT would cost more than the rest
        'CKV2_AWS_5', // the tasks' security group: attached by the schedules' RunTask requests, which checkov cannot follow
        'CKV_AWS_109', // the example's KMS key policy: its "*" is the key itself
        'CKV_AWS_111', // same
        'CKV_AWS_356', // same
      ].sort(),
    );
  });

  // Identity-policy checks that a key policy cannot pass (its resource is always
  // "*", meaning the key): skipped there and nowhere else.
  it('skips the IAM wildcard-resource checks only on the example KMS key policy', () => {
    const keyPolicyOnly = ['CKV_AWS_109', 'CKV_AWS_111', 'CKV_AWS_356'];
    const elsewhere = report.skipped.filter((s) => keyPolicyOnly.includes(s.checkId) && s.resource !== 'aws_iam_policy_document.backups_key');
    expect(elsewhere.map((s) => `${s.checkId} ${s.resource} (${s.file})`)).toEqual([]);
  });
});
