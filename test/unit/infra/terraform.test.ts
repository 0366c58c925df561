// The Terraform module's guarantees, checked offline: the AWS provider cannot be
// downloaded here, so `terraform validate` is out of reach. Instead every .tf
// file is parsed (@cdktf/hcl2json) and the properties that matter are asserted;
// where a terraform (or tofu) binary exists, `fmt -check` runs, and the variable
// validations and the key locals are evaluated for real in a root module made of
// variables.tf alone (no resources, so no provider is needed).
import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../scripts/services/paths.js';
import { OPTIONS, type OptionSpec } from '../../../src/config/options.js';
import { verificationKey } from '../../../src/core/catalog.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { localsSource } from './evaluate-locals.js';
import {
  allStrings,
  block,
  blocks,
  dynamicContents,
  findTerraformBinary,
  get,
  isHcl,
  listTfFiles,
  loadTerraform,
  runTerraform,
  strings,
  toHclSource,
  type Hcl,
  type TerraformConfig,
} from './terraform-config.js';

const TERRAFORM_ROOT = join(REPO_ROOT, 'infra/terraform');
const MODULE_DIR = join(TERRAFORM_ROOT, 'modules/mongodb-backup');
const EXAMPLE_DIR = join(TERRAFORM_ROOT, 'examples/moms-recipe-box');

let mod: TerraformConfig;
let example: TerraformConfig;

beforeAll(async () => {
  [mod, example] = await Promise.all([loadTerraform(MODULE_DIR), loadTerraform(EXAMPLE_DIR)]);
});

const resource = (key: string): Hcl => get(mod.resources, key);
const data = (key: string): Hcl => get(mod.data, key);
const variableDefault = (name: string): unknown => get(mod.variables, name).default;
const local = (name: string): unknown => {
  if (!(name in mod.locals)) throw new Error(`local.${name} is not defined`);
  return mod.locals[name];
};

/** "${var.x}" → the default of var.x; "${local.y}" → local y, resolved again; literals as they are. */
function resolve(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const variable = /^\$\{var\.(\w+)\}$/.exec(value);
  if (variable) return variableDefault(variable[1] as string);
  const loc = /^\$\{local\.(\w+)\}$/.exec(value);
  if (loc) return resolve(local(loc[1] as string));
  return value;
}

/** A module variable's validation conditions, joined. */
const conditions = (name: string): string =>
  blocks(get(mod.variables, name), 'validation')
    .map((v) => String(v.condition))
    .join('\n');

describe('files', () => {
  it('parses every .tf file under infra/terraform', async () => {
    const files = await listTfFiles(TERRAFORM_ROOT);
    expect(files.length).toBeGreaterThanOrEqual(mod.files.length + example.files.length);
    expect(mod.files).toEqual(
      expect.arrayContaining(['versions.tf', 'variables.tf', 'main.tf', 's3.tf', 'lambda.tf', 'iam.tf', 'schedule.tf', 'alarms.tf', 'outputs.tf']),
    );
  });

  it('requires the hashicorp/aws provider 6.x and no other provider, in the module and the example', () => {
    for (const [config, aliases] of [
      [mod, { configuration_aliases: ['${aws.replica}'] }],
      [example, {}],
    ] as const) {
      const required = config.terraform.flatMap((t) => blocks(t, 'required_providers'));
      expect(required).toHaveLength(1);
      expect(required[0]).toEqual({ aws: { source: 'hashicorp/aws', version: '>= 6.20, < 7.0', ...aliases } });
      const types = [...config.resources.keys(), ...config.data.keys()].map((key) => key.split('.')[0]);
      expect(types.filter((type) => !type?.startsWith('aws_'))).toEqual([]);
    }
  });
});

describe('references (what `terraform validate` would catch)', () => {
  function references(config: TerraformConfig): { kind: string; name: string }[] {
    const found: { kind: string; name: string }[] = [];
    const everything = [
      ...config.resources.values(),
      ...config.data.values(),
      ...config.outputs.values(),
      ...config.modules.values(),
      ...config.providers.values(),
      config.locals,
      ...config.variables.values(),
    ];
    for (const text of allStrings(everything).filter((s) => s.includes('${'))) {
      for (const m of text.matchAll(/(?<![\w.])var\.(\w+)/g)) found.push({ kind: 'var', name: m[1] as string });
      for (const m of text.matchAll(/(?<![\w.])local\.(\w+)/g)) found.push({ kind: 'local', name: m[1] as string });
      for (const m of text.matchAll(/(?<![\w.])data\.(aws_\w+)\.(\w+)/g)) found.push({ kind: 'data', name: `${m[1]}.${m[2]}` });
      for (const m of text.matchAll(/(?<![\w.])(aws_\w+)\.(\w+)/g)) found.push({ kind: 'resource', name: `${m[1]}.${m[2]}` });
      for (const m of text.matchAll(/(?<![\w.])module\.(\w+)/g)) found.push({ kind: 'module', name: m[1] as string });
    }
    return found;
  }

  it.each([
    ['module', () => mod],
    ['example', () => example],
  ])('every var., local., data., resource and module reference in the %s is declared, and every variable is used', (_, config) => {
    const c = config();
    const declared: Record<string, Set<string>> = {
      var: new Set(c.variables.keys()),
      local: new Set(Object.keys(c.locals)),
      data: new Set(c.data.keys()),
      resource: new Set(c.resources.keys()),
      module: new Set(c.modules.keys()),
    };
    const refs = references(c);
    const undeclared = refs.filter((r) => !declared[r.kind]?.has(r.name)).map((r) => `${r.kind}.${r.name}`);
    expect(undeclared).toEqual([]);
    const used = new Set(refs.filter((r) => r.kind === 'var').map((r) => r.name));
    expect([...c.variables.keys()].filter((v) => !used.has(v))).toEqual([]);
  });

  it('the module README documents every variable and output', async () => {
    const readme = await readFile(join(MODULE_DIR, 'README.md'), 'utf8');
    const missing = [...mod.variables.keys(), ...mod.outputs.keys()].filter((name) => !readme.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });
});

describe('Lambda function', () => {
  const fn = (): Hcl => resource('aws_lambda_function.this');

  it('runs nodejs22.x by default and accepts only nodejs22.x or nodejs24.x', () => {
    expect(fn().runtime).toBe('${var.runtime}');
    expect(variableDefault('runtime')).toBe('nodejs22.x');
    const allowed = /contains\(\[([^\]]*)\], var\.runtime\)/.exec(conditions('runtime'))?.[1];
    expect(allowed?.split(',').map((s) => s.trim())).toEqual(['"nodejs22.x"', '"nodejs24.x"']);
  });

  it('is arm64, index.handler, 15 minutes, 1024 MB by default, one run at a time', () => {
    expect(fn().architectures).toEqual(['arm64']);
    expect(fn().handler).toBe('index.handler');
    expect(fn().timeout).toBe(900);
    expect(resolve(fn().memory_size)).toBe(1024);
    expect(fn().reserved_concurrent_executions).toBe(1);
  });

  it('deploys the zip named by lambda_zip_path and redeploys when its hash changes', () => {
    expect(fn().filename).toBe('${var.lambda_zip_path}');
    expect(fn().source_code_hash).toBe('${filebase64sha256(var.lambda_zip_path)}');
  });

  it('gets its configuration from the environment, with a secret reference and never a connection string', () => {
    expect(fn()).toHaveProperty('environment');
    expect(block(fn(), 'environment').variables).toBe('${local.job_env}');
    expect(local('job_env')).toBe('${merge(local.lambda_env, local.keep_env, local.kms_env, local.encrypt_env)}');
    expect(local('kms_env')).toBe('${var.kms_key_arn == null ? {} : { KMS_KEY_ID = var.kms_key_arn }}');
    const env = local('lambda_env');
    expect(isHcl(env)).toBe(true);
    expect(Object.keys(env as Hcl).sort()).toEqual(['DATABASES', 'DESTINATION', 'MONGODB_URI_SECRET', 'NOTIFY_TOPIC_ARN', 'VERIFY']);
    expect(env).toMatchObject({
      DESTINATION: '${local.destination}',
      MONGODB_URI_SECRET: '${local.secret_ref}',
      NOTIFY_TOPIC_ARN: '${aws_sns_topic.alarms.arn}',
    });
    expect(String(local('secret_ref'))).toContain('${local.secret_arn}#${var.mongodb_uri_secret_key}');
    expect(variableDefault('mongodb_uri_secret_key')).toBe('MONGODB_URI');
    expect(local('keep_env')).toBe('${{ for rule, n in var.keep : "KEEP_${upper(rule)}" => tostring(n) if n != null }}');
    expect(get(mod.variables, 'keep').type).toBe('${object({\n    last    = optional(number)\n    daily   = optional(number)\n    weekly  = optional(number)\n    monthly = optional(number)\n    yearly  = optional(number)\n  })}');
    expect(variableDefault('verify')).toBe('full');
    expect(conditions('verify')).toContain('contains(["none", "full"], var.verify)');
  });

  it('sets ENCRYPT=kms:<key ARN> only when client_side_kms_key_arn is given', () => {
    expect(variableDefault('client_side_kms_key_arn')).toBeNull();
    expect(local('encrypt_env')).toBe('${var.client_side_kms_key_arn == null ? {} : { ENCRYPT = "kms:${var.client_side_kms_key_arn}" }}');
    expect(Object.keys(local('lambda_env') as Hcl)).not.toContain('ENCRYPT');
  });

  it("sets only variables the handler reads: the option table's Lambda column", () => {
    const lambdaNames = Object.values(OPTIONS as Record<string, OptionSpec>).flatMap((option) => (option.lambda ? [option.lambda.env] : []));
    const keepRules = ['last', 'daily', 'weekly', 'monthly', 'yearly'];
    const set = [...Object.keys(local('lambda_env') as Hcl), ...keepRules.map((rule) => `KEEP_${rule.toUpperCase()}`), 'KMS_KEY_ID', 'ENCRYPT', 'LOCK_DAYS'];
    expect(set.filter((name) => !lambdaNames.includes(name))).toEqual([]);
  });

  it('holds no connection string or URI variable anywhere in the module or the example', () => {
    const everything = allStrings([...mod.resources.values(), mod.locals, ...example.modules.values()]);
    expect(everything.filter((s) => /mongodb(\+srv)?:\/\//i.test(s))).toEqual([]);
    const envKeys = Object.keys(local('lambda_env') as Hcl);
    expect(envKeys.filter((k) => /^(MONGODB_URI|MONGO_URL|URI|CONNECTION_STRING|PASSWORD)$/.test(k))).toEqual([]);
  });

  it('writes to a log group with a retention, created before the function', () => {
    const group = resource('aws_cloudwatch_log_group.lambda');
    expect(group.for_each).toBe('${local.functions}');
    expect(group.name).toBe('/aws/lambda/${each.value.name}');
    expect(fn().function_name).toBe('${each.value.name}');
    expect(resolve(group.retention_in_days)).toBe(90);
    expect(fn().depends_on).toContain('${aws_cloudwatch_log_group.lambda}');
    expect(fn().depends_on).toEqual(expect.arrayContaining(['${aws_iam_role_policy.lambda}', '${aws_iam_role_policy.drill}']));
  });

  // One resource block for both functions: the drill can never drift from the backup's settings.
  it('runs one function, named after var.name, or with client-side encryption and a drill schedule a second one, <name>-drill, with its own role', () => {
    expect(fn().for_each).toBe('${local.functions}');
    expect(fn().role).toBe('${each.value.role_arn}');
    expect(local('separate_drill')).toBe('${var.client_side_kms_key_arn != null && var.drill_schedule_expression != null}');
    // The jobs, whichever the runner; as functions only with runner = "lambda".
    expect(local('functions')).toBe('${local.fargate ? {} : local.jobs}');
    const functions = String(local('jobs'));
    expect(functions).toMatch(/backup = \{\s+name\s+= var\.name\s+description = [^\n]+\s+role_arn\s+= aws_iam_role\.lambda\.arn\s+\}/);
    expect(functions).toMatch(/local\.separate_drill \? \{\s+drill = \{\s+name\s+= "\$\{var\.name\}-drill"\s+description = [^\n]+\s+role_arn\s+= aws_iam_role\.drill\[0\]\.arn\s+\}\s+\} : \{\}/);
    expect([...mod.resources.keys()].filter((key) => key.startsWith('aws_lambda_function.'))).toEqual(['aws_lambda_function.this']);
  });

  it('keeps the resources of existing deployments: moved blocks from the single-function addresses', () => {
    expect(mod.moved).toEqual(
      expect.arrayContaining([
        { from: '${aws_lambda_function.backup}', to: '${aws_lambda_function.this["backup"]}' },
        { from: '${aws_cloudwatch_log_group.lambda}', to: '${aws_cloudwatch_log_group.lambda["backup"]}' },
        { from: '${aws_lambda_function_event_invoke_config.backup}', to: '${aws_lambda_function_event_invoke_config.this["backup"]}' },
        { from: '${aws_cloudwatch_metric_alarm.errors}', to: '${aws_cloudwatch_metric_alarm.errors["backup"]}' },
      ]),
    );
  });

  it('sends failed asynchronous invocations to the dead-letter queue after 0-2 retries', () => {
    expect(block(fn(), 'dead_letter_config').target_arn).toBe('${aws_sqs_queue.dead_letters.arn}');
    const invoke = resource('aws_lambda_function_event_invoke_config.this');
    expect(invoke.for_each).toBe('${aws_lambda_function.this}');
    expect(invoke.function_name).toBe('${each.value.function_name}');
    expect(invoke.maximum_retry_attempts).toBe('${var.lambda_retry_attempts}');
    expect(conditions('lambda_retry_attempts')).toContain('var.lambda_retry_attempts >= 0 && var.lambda_retry_attempts <= 2');
  });
});

describe('schedule', () => {
  const schedule = (): Hcl => resource('aws_scheduler_schedule.this');

  it('runs the backup at 03:00 UTC by default, on time, invoking the function', () => {
    expect(variableDefault('schedule_expression')).toBe('cron(0 3 * * ? *)');
    expect(variableDefault('schedule_timezone')).toBe('UTC');
    expect(schedule().schedule_expression_timezone).toBe('${var.schedule_timezone}');
    expect(block(schedule(), 'flexible_time_window')).toEqual({ mode: 'OFF' });
    const target = block(schedule(), 'target');
    expect(target.arn).toBe('${local.fargate ? local.run_task_target : aws_lambda_function.this[each.value.function].arn}');
    expect(target.role_arn).toBe('${aws_iam_role.scheduler.arn}');
    expect(target.input).toBe('${local.fargate ? jsonencode(local.run_task_requests[each.key]) : jsonencode(each.value.input)}');
    expect(String(local('schedules'))).toContain('input       = local.backup_input');
    expect(local('backup_input')).toMatchObject({ action: 'backup' });
    expect(String(local('schedules'))).toMatch(/input\s+= local\.backup_input\s+function\s+= "backup"/);
  });

  it('retries delivery and dead-letters what it cannot deliver', () => {
    const target = block(schedule(), 'target');
    expect(block(target, 'retry_policy')).toEqual({
      maximum_retry_attempts: '${var.scheduler_retry_attempts}',
      maximum_event_age_in_seconds: '${var.scheduler_max_event_age_seconds}',
    });
    expect(block(target, 'dead_letter_config').arn).toBe('${aws_sqs_queue.dead_letters.arn}');
    expect(resolve('${var.scheduler_retry_attempts}')).toBeGreaterThan(0);
  });

  it('adds a restore drill (verify --deep) only when drill_schedule_expression is set', () => {
    expect(variableDefault('drill_schedule_expression')).toBeNull();
    expect(String(local('schedules'))).toContain('var.drill_schedule_expression == null ? {} :');
    expect(local('drill_input')).toMatchObject({ action: 'verify', deep: true });
  });

  it('sends the drill to the drill function when there is one, else to the backup function', () => {
    expect(String(local('schedules'))).toMatch(/input\s+= local\.drill_input\s+function\s+= local\.drill_function/);
    expect(local('drill_function')).toBe('${local.separate_drill ? "drill" : "backup"}');
  });
});

describe('S3 bucket', () => {
  it('blocks every kind of public access and disables ACLs', () => {
    expect(resource('aws_s3_bucket_public_access_block.backups')).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(block(resource('aws_s3_bucket_ownership_controls.backups'), 'rule').object_ownership).toBe('BucketOwnerEnforced');
  });

  it('is versioned', () => {
    expect(block(resource('aws_s3_bucket_versioning.backups'), 'versioning_configuration').status).toBe('Enabled');
  });

  it('encrypts with AES256 by default, or SSE-KMS with a Bucket Key when kms_key_arn is given', () => {
    const rule = block(resource('aws_s3_bucket_server_side_encryption_configuration.backups'), 'rule');
    const byDefault = block(rule, 'apply_server_side_encryption_by_default');
    expect(byDefault.sse_algorithm).toBe('${var.kms_key_arn == null ? "AES256" : "aws:kms"}');
    expect(byDefault.kms_master_key_id).toBe('${var.kms_key_arn}');
    expect(rule.bucket_key_enabled).toBe('${var.kms_key_arn != null}');
    expect(variableDefault('kms_key_arn')).toBeNull();
  });

  it('refuses requests that do not use TLS', () => {
    const policy = resource('aws_s3_bucket_policy.backups');
    expect(policy.policy).toBe('${data.aws_iam_policy_document.bucket.json}');
    const [deny] = blocks(data('aws_iam_policy_document.bucket'), 'statement');
    expect(deny).toMatchObject({ effect: 'Deny', actions: ['s3:*'] });
    expect(block(deny as Hcl, 'condition')).toEqual({ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] });
    expect(strings((deny as Hcl).resources)).toEqual(['${aws_s3_bucket.backups.arn}', '${aws_s3_bucket.backups.arn}/*']);
  });

  it('takes Object Lock as an option, off by default, with a default retention of object_lock_days in object_lock_mode', () => {
    expect(variableDefault('object_lock_mode')).toBeNull();
    expect(variableDefault('object_lock_days')).toBeNull();
    const lock = resource('aws_s3_bucket_object_lock_configuration.backups');
    expect(lock.count).toBe('${var.object_lock_mode == null ? 0 : 1}');
    expect(lock.bucket).toBe('${aws_s3_bucket.backups.id}');
    expect(block(block(lock, 'rule'), 'default_retention')).toEqual({ mode: '${var.object_lock_mode}', days: '${var.object_lock_days}' });
    // S3 enables Object Lock only on a versioned bucket.
    expect(lock.depends_on).toEqual(['${aws_s3_bucket_versioning.backups}']);
  });

  // aws_s3_bucket.object_lock_enabled forces a new bucket when it changes: set
  // there, switching Object Lock on later would plan to destroy every backup.
  it('enables Object Lock through its configuration resource, never through the bucket (which would replace it)', () => {
    expect(resource('aws_s3_bucket.backups')).not.toHaveProperty('object_lock_enabled');
    expect(resource('aws_s3_bucket.backups')).not.toHaveProperty('object_lock_configuration');
    expect(resource('aws_s3_bucket_object_lock_configuration.backups')).not.toHaveProperty('object_lock_enabled', 'Disabled');
  });
});

describe('S3 lifecycle', () => {
  // The rules are data (local.lifecycle_rules), rendered by a dynamic "rule" in
  // both buckets' lifecycle configurations.
  const rules = (): Map<string, Hcl> => new Map((local('lifecycle_rules') as Hcl[]).map((r) => [String(r.id), r]));
  const rule = (id: string): Hcl => get(rules(), id);
  const expiration = (r: Hcl): Hcl => r.expiration as Hcl;

  it('renders every rule of local.lifecycle_rules, each enabled with a prefix filter, every part of a rule from its data', () => {
    const lifecycle = resource('aws_s3_bucket_lifecycle_configuration.backups');
    expect(lifecycle).not.toHaveProperty('rule');
    const [dynamicRule, ...more] = ((lifecycle.dynamic as Hcl).rule as Hcl[]);
    expect(more).toEqual([]);
    expect(dynamicRule?.for_each).toBe('${local.lifecycle_rules}');
    const content = block(dynamicRule as Hcl, 'content');
    expect(content).toMatchObject({ id: '${rule.value.id}', status: 'Enabled' });
    expect(block(content, 'filter')).toEqual({ prefix: '${rule.value.prefix}' });
    expect(block(content, 'expiration')).toEqual({
      days: '${rule.value.expiration.days}',
      expired_object_delete_marker: '${rule.value.expiration.expired_object_delete_marker}',
    });
    const nested = content.dynamic as Hcl;
    const forEach = (name: string): unknown => block(nested, name).for_each;
    expect(Object.keys(nested).sort()).toEqual(['abort_incomplete_multipart_upload', 'noncurrent_version_expiration', 'transition']);
    expect(forEach('transition')).toBe('${rule.value.transitions}');
    expect(dynamicContents(content, 'transition')).toEqual([{ days: '${transition.value.days}', storage_class: '${transition.value.storage_class}' }]);
    expect(forEach('noncurrent_version_expiration')).toBe('${rule.value.noncurrent_days == null ? [] : [rule.value.noncurrent_days]}');
    expect(dynamicContents(content, 'noncurrent_version_expiration')).toEqual([{ noncurrent_days: '${noncurrent_version_expiration.value}' }]);
    expect(forEach('abort_incomplete_multipart_upload')).toBe('${rule.value.abort_incomplete_upload_days == null ? [] : [rule.value.abort_incomplete_upload_days]}');
    expect(dynamicContents(content, 'abort_incomplete_multipart_upload')).toEqual([{ days_after_initiation: '${abort_incomplete_multipart_upload.value}' }]);
  });

  it('has the data, manifests and housekeeping rules, each with a prefix and every field given', () => {
    expect([...rules().keys()]).toEqual(['data', 'manifests', 'housekeeping']);
    for (const r of rules().values()) {
      expect(Object.keys(r).sort()).toEqual(['abort_incomplete_upload_days', 'expiration', 'id', 'noncurrent_days', 'prefix', 'transitions']);
      expect(Object.keys(expiration(r)).sort()).toEqual(['days', 'expired_object_delete_marker']);
    }
    expect(resolve(rule('data').prefix)).toBe('${local.key_prefix}data/');
    expect(resolve(rule('manifests').prefix)).toBe('${local.key_prefix}manifests/');
    expect(resolve(rule('housekeeping').prefix)).toBe('');
  });

  it('moves archives to STANDARD_IA at 30 days and GLACIER at 90, and expires them after 365', () => {
    const transitions = (rule('data').transitions as Hcl[]).map((t) => [resolve(t.days), t.storage_class]);
    expect(transitions).toEqual([
      [30, 'STANDARD_IA'],
      [90, 'GLACIER'],
    ]);
    expect(variableDefault('expiration_days')).toBe(365);
    // The archive goes a day after its manifest: deletes are manifest first (DESIGN.md §3).
    expect(expiration(rule('data'))).toEqual({ days: '${var.expiration_days + 1}', expired_object_delete_marker: null });
    expect(rule('data')).toMatchObject({ noncurrent_days: null, abort_incomplete_upload_days: null });
  });

  it('keeps manifests in STANDARD and expires them with their backups', () => {
    expect(rule('manifests').transitions).toEqual([]);
    expect(expiration(rule('manifests'))).toEqual({ days: '${var.expiration_days}', expired_object_delete_marker: null });
    expect(rule('manifests')).toMatchObject({ noncurrent_days: null, abort_incomplete_upload_days: null });
  });

  it('aborts incomplete multipart uploads and expires noncurrent versions across the bucket', () => {
    const housekeeping = rule('housekeeping');
    expect(housekeeping.transitions).toEqual([]);
    expect(resolve(housekeeping.abort_incomplete_upload_days)).toBe(2);
    expect(resolve(housekeeping.noncurrent_days)).toBe(30);
    expect(expiration(housekeeping)).toEqual({ days: null, expired_object_delete_marker: true });
  });

  it('validates that transitions respect the 30-day STANDARD_IA minimum and come before expiry', () => {
    expect(conditions('transition_to_ia_days')).toContain('var.transition_to_ia_days >= 30');
    expect(conditions('transition_to_glacier_days')).toContain('var.transition_to_glacier_days >= var.transition_to_ia_days + 30');
    expect(conditions('expiration_days')).toContain('var.expiration_days > var.transition_to_glacier_days');
  });
});

describe('IAM', () => {
  function statements(doc: Hcl): Hcl[] {
    return [...blocks(doc, 'statement'), ...dynamicContents(doc, 'statement')];
  }
  const policyDocuments = (): [string, Hcl][] => [...mod.data].filter(([key]) => key.startsWith('aws_iam_policy_document.'));
  const allowStatements = (): [string, Hcl][] =>
    policyDocuments().flatMap(([key, doc]) => statements(doc).filter((s) => (s.effect ?? 'Allow') === 'Allow').map((s): [string, Hcl] => [key, s]));

  it('builds every policy from a policy document the tests can read (no inline JSON)', () => {
    for (const [key, body] of mod.resources) {
      for (const attribute of ['policy', 'assume_role_policy']) {
        if (attribute in body) expect(body[attribute], key).toMatch(/^\$\{data\.aws_iam_policy_document\.\w+(\[0\]|\["[\w.-]+"\])?\.json\}$/);
      }
    }
    expect([...mod.resources.keys()].filter((k) => k.startsWith('aws_iam_policy.') || k.startsWith('aws_iam_role_policy_attachment.'))).toEqual([]);
  });

  it('lists explicit actions in every Allow statement: no wildcard action, no wildcard resource', () => {
    const problems: string[] = [];
    for (const [key, s] of allowStatements()) {
      const actions = strings(s.actions ?? []);
      if (actions.length === 0) problems.push(`${key}: statement without actions`);
      for (const action of actions) if (action.includes('*')) problems.push(`${key}: action ${action}`);
      if ('not_actions' in s || 'not_resources' in s) problems.push(`${key}: not_actions/not_resources`);
      if (!('principals' in s)) {
        const resources = strings(s.resources ?? []);
        if (resources.length === 0) problems.push(`${key}: statement without resources`);
        for (const r of resources) {
          // ecr:GetAuthorizationToken has no resource-level permissions: "*" is its only resource.
          if (key === 'aws_iam_policy_document.task_execution' && r === '*' && actions.join() === 'ecr:GetAuthorizationToken') continue;
          if (r === '*' || /arn:aws:[\w-]+:\*/.test(r)) problems.push(`${key}: resource ${r}`);
          if (!r.startsWith('${')) problems.push(`${key}: literal resource ${r} (must be one of the module's own)`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('denies only in the bucket policies (the TLS rule)', () => {
    const denies = policyDocuments().flatMap(([key, doc]) => statements(doc).filter((s) => s.effect === 'Deny').map(() => key));
    expect(denies.sort()).toEqual(['aws_iam_policy_document.bucket', 'aws_iam_policy_document.replica_bucket']);
  });

  // Governance mode is only as strong as the list of who may bypass it: no one here.
  it('grants s3:BypassGovernanceRetention nowhere, and no s3:* that would include it', () => {
    const actions = allowStatements().flatMap(([key, s]) => strings(s.actions ?? []).map((a) => `${key} ${a}`));
    expect(actions.filter((a) => /BypassGovernanceRetention|s3:\*|s3:Put\*|s3:Bypass/i.test(a))).toEqual([]);
    expect(allStrings([...mod.resources.values(), ...mod.data.values(), mod.locals]).filter((v) => /bypass/i.test(v))).toEqual([]);
  });

  /** A role's statements: its own policy document's and those of its source_policy_documents. */
  function roleStatements(doc: Hcl, baseKey: string): Hcl[] {
    expect(doc.source_policy_documents).toEqual([`\${data.aws_iam_policy_document.function_base["${baseKey}"].json}`]);
    return [...statements(data('aws_iam_policy_document.function_base')), ...statements(doc)];
  }
  const backupStatements = (): Hcl[] => roleStatements(data('aws_iam_policy_document.lambda'), 'backup');
  const drillStatements = (): Hcl[] => roleStatements(data('aws_iam_policy_document.drill'), 'drill');
  function byAction(all: Hcl[]): Map<string, string[]> {
    const map = new Map<string, string[]>();
    for (const s of all) for (const action of strings(s.actions)) map.set(action, [...(map.get(action) ?? []), ...strings(s.resources)]);
    return map;
  }
  /** Statements that name the client-side key, as [actions, resources]. */
  const clientSideKeyGrants = (all: Hcl[]): unknown[][] =>
    all.filter((s) => strings(s.resources).includes('${var.client_side_kms_key_arn}')).map((s) => [s.actions, s.resources]);

  it('gives every function the same base: its bucket (prefix-limited listing, reads), its secret, its own log group, its topic and its queue', () => {
    const base = data('aws_iam_policy_document.function_base');
    expect(base.for_each).toBe('${local.jobs}');
    const actions = byAction(statements(base));
    expect([...actions.keys()].sort()).toEqual(
      ['kms:Decrypt', 'kms:GenerateDataKey', 'logs:CreateLogStream', 'logs:PutLogEvents', 's3:GetObject', 's3:ListBucket', 'secretsmanager:GetSecretValue', 'sns:Publish', 'sqs:SendMessage'].sort(),
    );
    expect(actions.get('s3:ListBucket')).toEqual(['${aws_s3_bucket.backups.arn}']);
    expect(actions.get('s3:GetObject')).toEqual(['${aws_s3_bucket.backups.arn}/${local.key_prefix}*']);
    expect(actions.get('secretsmanager:GetSecretValue')).toEqual(['${local.secret_arn}']);
    expect(actions.get('logs:PutLogEvents')).toEqual(['${aws_cloudwatch_log_group.lambda[each.key].arn}:*']);
    expect(actions.get('sns:Publish')).toEqual(['${aws_sns_topic.alarms.arn}']);
    expect(actions.get('sqs:SendMessage')).toEqual(['${aws_sqs_queue.dead_letters.arn}']);
    const list = statements(base).find((s) => strings(s.actions).includes('s3:ListBucket'));
    expect(block(list as Hcl, 'condition')).toEqual({ test: 'StringLike', variable: 's3:prefix', values: ['${local.key_prefix}*'] });
  });

  it('lets the backup function also write, prune and restore under its prefix, never erase a version', () => {
    const actions = byAction(backupStatements());
    expect([...actions.keys()].sort()).toEqual(
      [
        'kms:Decrypt',
        'kms:GenerateDataKey',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:AbortMultipartUpload',
        's3:DeleteObject',
        's3:GetObject',
        's3:ListBucket',
        's3:ListMultipartUploadParts',
        's3:PutObject',
        's3:RestoreObject',
        's3:GetBucketObjectLockConfiguration',
        's3:GetObjectRetention',
        's3:PutObjectRetention',
        'secretsmanager:GetSecretValue',
        'sns:Publish',
        'sqs:SendMessage',
      ].sort(),
    );
    expect(actions.get('s3:PutObject')).toEqual(['${aws_s3_bucket.backups.arn}/${local.key_prefix}*']);
    expect(actions.has('logs:CreateLogGroup')).toBe(false);
    expect(actions.has('s3:DeleteObjectVersion')).toBe(false);
  });

  it('grants SSE and secret KMS keys only when given, and only on those keys', () => {
    const kms = dynamicContents(data('aws_iam_policy_document.function_base'), 'statement').filter((s) => strings(s.actions).some((a) => a.startsWith('kms:')));
    expect(kms.map((s) => [s.actions, s.resources])).toEqual([
      [['kms:Decrypt', 'kms:GenerateDataKey'], '${local.data_kms_keys}'],
      [['kms:Decrypt'], ['${var.secret_kms_key_arn}']],
    ]);
    const dynamicBlocks = (data('aws_iam_policy_document.function_base').dynamic as Hcl).statement as Hcl[];
    expect(dynamicBlocks.map((d) => d.for_each)).toEqual([
      // WriteOwnLogs: a function's own log group; a task's logs are the execution role's.
      '${local.fargate ? [] : [1]}',
      '${length(local.data_kms_keys) > 0 ? [1] : []}',
      '${var.secret_kms_key_arn == null ? [] : [1]}',
    ]);
    expect(local('data_kms_keys')).toBe('${compact([var.kms_key_arn, var.sns_kms_key_arn])}');
  });

  // The nightly role can write backups but never read them: whoever takes it over
  // (a leaked token, a compromised dependency) gets ciphertext only.
  it('lets the backup role generate data keys with the client-side key, only when it is given, and never decrypt with it', () => {
    expect(clientSideKeyGrants(backupStatements())).toEqual([[['kms:GenerateDataKey'], ['${var.client_side_kms_key_arn}']]]);
    const encrypt = ((data('aws_iam_policy_document.lambda').dynamic as Hcl).statement as Hcl[])
      .filter((d) => allStrings(d.content).includes('${var.client_side_kms_key_arn}'))
      .map((d) => d.for_each);
    expect(encrypt).toEqual(['${var.client_side_kms_key_arn == null ? [] : [1]}']);
    // Nor through another key's grant: the variable must name a key of its own.
    expect(conditions('client_side_kms_key_arn')).toContain('!contains(compact([var.kms_key_arn, var.sns_kms_key_arn, var.secret_kms_key_arn]), coalesce(var.client_side_kms_key_arn, "-"))');
  });

  it('lets the backup role read and set retention only with Object Lock, in the bucket\'s mode and never past the expiry', () => {
    const lockBlocks = ((data('aws_iam_policy_document.lambda').dynamic as Hcl).statement as Hcl[]).filter((d) =>
      strings(block(d, 'content').actions).some((a) => /Retention|ObjectLock/.test(a)),
    );
    expect(lockBlocks.map((d) => d.for_each)).toEqual(Array(3).fill('${var.object_lock_mode == null ? [] : [1]}'));
    const grants = lockBlocks.map((d) => block(d, 'content'));
    expect(grants.map((g) => [g.actions, g.resources])).toEqual([
      [['s3:GetBucketObjectLockConfiguration'], ['${aws_s3_bucket.backups.arn}']],
      [['s3:GetObjectRetention'], ['${aws_s3_bucket.backups.arn}/${local.key_prefix}*']],
      [['s3:PutObjectRetention'], ['${aws_s3_bucket.backups.arn}/${local.key_prefix}*']],
    ]);
    // Whoever takes the role over cannot lock the bucket for decades, nor switch GOVERNANCE to COMPLIANCE.
    expect(blocks(grants[2] as Hcl, 'condition')).toEqual([
      { test: 'StringEquals', variable: 's3:object-lock-mode', values: ['${var.object_lock_mode}'] },
      { test: 'NumericLessThanEquals', variable: 's3:object-lock-remaining-retention-days', values: ['${tostring(var.expiration_days + 1)}'] },
    ]);
    // The drill writes verification records under the bucket's default retention only.
    expect(byAction(drillStatements()).has('s3:PutObjectRetention')).toBe(false);
  });

  it('creates the drill role only with client-side encryption and a drill schedule; it decrypts and writes only verification records', () => {
    for (const key of ['aws_iam_role.drill', 'aws_iam_role_policy.drill']) expect(resource(key).count, key).toBe('${local.separate_drill ? 1 : 0}');
    expect(data('aws_iam_policy_document.drill').count).toBe('${local.separate_drill ? 1 : 0}');
    expect(resource('aws_iam_role_policy.drill').policy).toBe('${data.aws_iam_policy_document.drill[0].json}');
    expect(resource('aws_iam_role.drill').assume_role_policy).toBe('${data.aws_iam_policy_document.job_trust.json}');
    expect(resource('aws_iam_role.drill').name).toBe('${var.name}-drill-${local.job_role_suffix}');

    const all = drillStatements();
    expect(clientSideKeyGrants(all)).toEqual([[['kms:Decrypt'], ['${var.client_side_kms_key_arn}']]]);
    const actions = byAction(all);
    const writes = [...actions.keys()].filter((a) => a.startsWith('s3:') && !['s3:GetObject', 's3:ListBucket'].includes(a));
    expect(writes).toEqual(['s3:PutObject']);
    expect(actions.get('s3:PutObject')).toEqual(['${aws_s3_bucket.backups.arn}/${local.manifests_prefix}*.verified.*.json']);
  });

  it("the drill's PutObject pattern matches the keys verify writes, and no manifest or archive", () => {
    const pattern = strings(drillStatements().find((s) => strings(s.actions).includes('s3:PutObject'))?.resources)[0] as string;
    const glob = pattern.replace('${aws_s3_bucket.backups.arn}/${local.manifests_prefix}', 'manifests/');
    // IAM's "*" matches any characters, "/" included.
    const matches = new RegExp(`^${glob.split('*').map((part) => part.replace(/[.]/g, '\\.')).join('.*')}$`);
    const id = '20261206T030000123Z';
    for (const kind of ['full', 'deep'] as const) expect(verificationKey(id, new Date('2026-12-06T05:00:00.456Z'), kind)).toMatch(matches);
    for (const other of [`manifests/${id}.json`, `data/${id}/archive.gz`, 'manifests/x.json']) expect(other).not.toMatch(matches);
  });

  it('lets the scheduler invoke these functions (or run these tasks) and write to its dead-letter queue, nothing else', () => {
    const doc = data('aws_iam_policy_document.scheduler');
    const scheduler = statements(doc).map((s) => [s.actions, s.resources]);
    expect(scheduler).toEqual([
      [['sqs:SendMessage'], ['${aws_sqs_queue.dead_letters.arn}']],
      [['lambda:InvokeFunction'], '${[for f in aws_lambda_function.this : f.arn]}'],
      [['ecs:RunTask'], '${[for t in aws_ecs_task_definition.this : "${t.arn_without_revision}:*"]}'],
      [['iam:PassRole'], '${concat([for t in aws_ecs_task_definition.this : t.task_role_arn], [aws_iam_role.task_execution[0].arn])}'],
    ]);
    // Each runner its own statements only.
    expect(((doc.dynamic as Hcl).statement as Hcl[]).map((d) => d.for_each)).toEqual(['${local.fargate ? [] : [1]}', '${local.fargate ? [1] : []}', '${local.fargate ? [1] : []}']);
  });

  it('trusts only the Lambda (or ECS tasks) and Scheduler services, the latter from this account only', () => {
    const trust = (key: string): Hcl => block(data(key), 'statement');
    expect(block(trust('aws_iam_policy_document.job_trust'), 'principals')).toEqual({
      type: 'Service',
      identifiers: ['${local.fargate ? "ecs-tasks.amazonaws.com" : "lambda.amazonaws.com"}'],
    });
    // The scheduler, S3 (replication) and ECS (the tasks' execution role): one document each, this account only.
    const service = trust('aws_iam_policy_document.service_trust');
    expect(data('aws_iam_policy_document.service_trust').for_each).toBe(
      '${toset(compact([\n    "scheduler.amazonaws.com",\n    local.replicate ? "s3.amazonaws.com" : "",\n    local.fargate ? "ecs-tasks.amazonaws.com" : "",\n  ]))}',
    );
    expect(block(service, 'principals')).toEqual({ type: 'Service', identifiers: ['${each.key}'] });
    expect(block(service, 'condition')).toEqual({ test: 'StringEquals', variable: 'aws:SourceAccount', values: ['${local.account_id}'] });
    const trustOf = (role: string): unknown => resource(`aws_iam_role.${role}`).assume_role_policy;
    expect(trustOf('scheduler')).toBe('${data.aws_iam_policy_document.service_trust["scheduler.amazonaws.com"].json}');
    expect(trustOf('replication')).toBe('${data.aws_iam_policy_document.service_trust["s3.amazonaws.com"].json}');
    expect(trustOf('task_execution')).toBe('${data.aws_iam_policy_document.service_trust["ecs-tasks.amazonaws.com"].json}');
  });
});

describe('replication (replica_region)', () => {
  const replicaKeys = (): string[] => [...mod.resources.keys()].filter((key) => key.endsWith('.replica') || key.endsWith('.replication'));
  const replicaData = (): string[] => [...mod.data.keys()].filter((key) => /\.(replica_bucket|replication)$/.test(key));
  const replication = (): Hcl => resource('aws_s3_bucket_replication_configuration.backups');
  const rule = (): Hcl => block(replication(), 'rule');
  const policy = (): Hcl[] => {
    const doc = data('aws_iam_policy_document.replication');
    return [...blocks(doc, 'statement'), ...dynamicContents(doc, 'statement')];
  };

  it('is off by default, and every replication resource and policy exists only with replica_region', () => {
    for (const name of ['replica_region', 'replica_account_id', 'replica_kms_key_arn', 'replica_bucket_name']) expect(variableDefault(name), name).toBeNull();
    expect(local('replicate')).toBe('${var.replica_region != null}');
    const keys = [...replicaKeys(), 'aws_s3_bucket_replication_configuration.backups'];
    expect(keys.length).toBeGreaterThanOrEqual(11);
    for (const key of keys) {
      const expected = key === 'aws_s3_bucket_object_lock_configuration.replica' ? '${local.replicate && var.object_lock_mode != null ? 1 : 0}' : '${local.replicate ? 1 : 0}';
      expect(resource(key).count, key).toBe(expected);
    }
    expect(replicaData().sort()).toEqual(['aws_iam_policy_document.replica_bucket', 'aws_iam_policy_document.replication']);
    for (const key of replicaData()) expect(data(key).count, key).toBe('${local.replicate ? 1 : 0}');
  });

  // A prune, an expiry or an attacker deleting on the primary must not delete on the replica.
  it('replicates everything under the prefix but never a delete marker', () => {
    expect(rule()).toMatchObject({ status: 'Enabled' });
    expect(block(rule(), 'filter')).toEqual({ prefix: '${local.key_prefix}' });
    expect(block(rule(), 'delete_marker_replication')).toEqual({ status: 'Disabled' });
    expect(replication().role).toBe('${aws_iam_role.replication[0].arn}');
    expect(replication().bucket).toBe('${aws_s3_bucket.backups.id}');
    expect(replication().depends_on).toEqual(expect.arrayContaining(['${aws_s3_bucket_versioning.backups}', '${aws_s3_bucket_versioning.replica}']));
  });

  it('writes to the replica bucket, owned by the replica account and under its own key when those are given', () => {
    const destination = block(rule(), 'destination');
    expect(destination.bucket).toBe('${aws_s3_bucket.replica[0].arn}');
    expect(destination.account).toBe('${var.replica_account_id}');
    expect(dynamicContents(destination, 'access_control_translation')).toEqual([{ owner: 'Destination' }]);
    expect(((destination.dynamic as Hcl).access_control_translation as Hcl[])[0]?.for_each).toBe('${local.replica_cross_account ? [1] : []}');
    expect(local('replica_cross_account')).toBe('${var.replica_account_id != null}');
    expect(dynamicContents(destination, 'encryption_configuration')).toEqual([{ replica_kms_key_id: '${var.replica_kms_key_arn}' }]);
    // SSE-KMS objects of the primary are replicated only when asked to.
    expect(dynamicContents(rule(), 'source_selection_criteria')).toEqual([{ sse_kms_encrypted_objects: [{ status: 'Enabled' }] }]);
  });

  it('makes the replica bucket private, versioned, encrypted, TLS-only, with the primary\'s lifecycle and Object Lock', () => {
    const strip = (body: Hcl): Hcl => Object.fromEntries(Object.entries(body).filter(([k]) => !['bucket', 'count', 'provider', 'region', 'depends_on'].includes(k)));
    for (const kind of ['aws_s3_bucket_public_access_block', 'aws_s3_bucket_ownership_controls', 'aws_s3_bucket_versioning', 'aws_s3_bucket_lifecycle_configuration']) {
      expect(strip(resource(`${kind}.replica`)), kind).toEqual(strip(resource(`${kind}.backups`)));
    }
    // One set of lifecycle rules (local.lifecycle_rules), rendered alike for both buckets.
    for (const name of ['backups', 'replica']) {
      const lifecycle = resource(`aws_s3_bucket_lifecycle_configuration.${name}`);
      expect(lifecycle, name).not.toHaveProperty('rule');
      expect(((lifecycle.dynamic as Hcl).rule as Hcl[]).map((d) => d.for_each), name).toEqual(['${local.lifecycle_rules}']);
    }
    const primaryLock = strip(resource('aws_s3_bucket_object_lock_configuration.backups'));
    expect(strip(resource('aws_s3_bucket_object_lock_configuration.replica'))).toEqual(primaryLock);
    const sse = block(block(resource('aws_s3_bucket_server_side_encryption_configuration.replica'), 'rule'), 'apply_server_side_encryption_by_default');
    expect(sse).toEqual({ sse_algorithm: '${var.replica_kms_key_arn == null ? "AES256" : "aws:kms"}', kms_master_key_id: '${var.replica_kms_key_arn}' });
    expect(resource('aws_s3_bucket_policy.replica').policy).toBe('${data.aws_iam_policy_document.replica_bucket[0].json}');
    const [deny] = blocks(data('aws_iam_policy_document.replica_bucket'), 'statement');
    expect(deny).toMatchObject({ effect: 'Deny', actions: ['s3:*'] });
    expect(block(deny as Hcl, 'condition')).toEqual({ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] });
  });

  it('lets S3 replicate with a role of least privilege: read versions here, write replicas there, no delete', () => {
    // Trusted by S3 for this account only (service_trust, checked with the other trust policies).
    expect(resource('aws_iam_role.replication').assume_role_policy).toBe('${data.aws_iam_policy_document.service_trust["s3.amazonaws.com"].json}');
    expect(resource('aws_iam_role_policy.replication').policy).toBe('${data.aws_iam_policy_document.replication[0].json}');
    expect(policy().map((st) => [st.actions, st.resources])).toEqual([
      [['s3:GetReplicationConfiguration', 's3:ListBucket'], ['${aws_s3_bucket.backups.arn}']],
      [
        '${concat(\n      ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],\n      # A locked version is replicated with its retention, which S3 reads with these.\n      var.object_lock_mode == null ? [] : ["s3:GetObjectRetention", "s3:GetObjectLegalHold"],\n    )}',
        ['${aws_s3_bucket.backups.arn}/${local.key_prefix}*'],
      ],
      [
        '${concat(\n      ["s3:ReplicateObject", "s3:ReplicateTags"],\n      # Another account\'s bucket: the replicas become that account\'s objects.\n      local.replica_cross_account ? ["s3:ObjectOwnerOverrideToBucketOwner"] : [],\n    )}',
        ['${aws_s3_bucket.replica[0].arn}/${local.key_prefix}*'],
      ],
      [['kms:Decrypt'], ['${var.kms_key_arn}']],
      [['kms:Encrypt'], ['${var.replica_kms_key_arn}']],
    ]);
    const doc = data('aws_iam_policy_document.replication');
    expect(((doc.dynamic as Hcl).statement as Hcl[]).map((d) => d.for_each)).toEqual(['${var.kms_key_arn == null ? [] : [1]}', '${var.replica_kms_key_arn == null ? [] : [1]}']);
    // Not even the permission to replicate a delete: a second line behind delete_marker_replication.
    const everyAction = allStrings(policy().map((st) => st.actions)).join(' ');
    expect(everyAction).not.toMatch(/ReplicateDelete|DeleteObject|PutObject|\*/);
  });

  it('admits the replication role in the replica bucket policy only across accounts, to write replicas only', () => {
    const admits = dynamicContents(data('aws_iam_policy_document.replica_bucket'), 'statement');
    expect(admits.map((st) => [st.actions, st.resources, block(st, 'principals')])).toEqual([
      [['s3:ReplicateObject', 's3:ReplicateTags', 's3:ObjectOwnerOverrideToBucketOwner'], ['${aws_s3_bucket.replica[0].arn}/${local.key_prefix}*'], { type: 'AWS', identifiers: ['${aws_iam_role.replication[0].arn}'] }],
      [['s3:GetBucketVersioning'], ['${aws_s3_bucket.replica[0].arn}'], { type: 'AWS', identifiers: ['${aws_iam_role.replication[0].arn}'] }],
    ]);
    const forEach = ((data('aws_iam_policy_document.replica_bucket').dynamic as Hcl).statement as Hcl[]).map((d) => d.for_each);
    expect(forEach).toEqual(Array(2).fill('${local.replica_cross_account ? [1] : []}'));
  });

  // The replica is made with aws.replica (the replica account's credentials) in
  // replica_region (the resource's own region argument); everything else with aws.
  it('creates every replica resource with the aws.replica provider in replica_region, and nothing else with it', () => {
    for (const key of [...mod.resources.keys()]) {
      const body = resource(key);
      if (key.endsWith('.replica')) expect([body.provider, body.region], key).toEqual(['${aws.replica}', '${var.replica_region}']);
      else expect(body, key).not.toHaveProperty('provider');
    }
    for (const key of mod.data.keys()) expect(data(key), key).not.toHaveProperty('provider');
  });

  it('gives mongosafe the replica as a destination, and the bucket and role as outputs', () => {
    expect(get(mod.outputs, 'replica_destination').value).toBe('${local.replicate ? trimsuffix("s3://${local.replica_bucket_name}/${local.key_prefix}", "/") : null}');
    expect(local('replica_bucket_name')).toBe('${coalesce(var.replica_bucket_name, "${var.bucket_name}-replica")}');
    expect(resource('aws_s3_bucket.replica').bucket).toBe('${local.replica_bucket_name}');
    for (const name of ['replica_bucket_name', 'replica_bucket_arn', 'replication_role_arn']) expect(mod.outputs.has(name), name).toBe(true);
  });
});

describe('alarms and notifications', () => {
  // What each instance watches is evaluated by terraform below (failure_alarms).
  it('alarms on a failed run, one alarm per function (the drill function too), or per schedule with Fargate tasks', () => {
    const errors = resource('aws_cloudwatch_metric_alarm.errors');
    expect(errors.for_each).toBe('${local.failure_alarms}');
    expect(local('failure_alarms')).toBe('${local.fargate ? local.task_failure_alarms : local.function_failure_alarms}');
    expect(String(local('function_failure_alarms'))).toMatch(/^\$\{\{\s+for key, fn in local\.functions : key => \{/);
    expect(String(local('task_failure_alarms'))).toMatch(/^\$\{\{\s+for key, schedule in local\.schedules : key => \{/);
    expect(errors).toMatchObject({
      alarm_name: '${each.value.name}',
      namespace: '${each.value.namespace}',
      metric_name: '${each.value.metric}',
      statistic: '${each.value.statistic}',
      comparison_operator: '${each.value.comparison}',
      threshold: 1,
      treat_missing_data: 'notBreaching',
      dimensions: { FunctionName: '${each.value.job}' },
      alarm_actions: ['${aws_sns_topic.alarms.arn}'],
    });
  });

  it('alarms when no BackupSucceeded heartbeat arrived, missing data counting as breaching', () => {
    const heartbeat = resource('aws_cloudwatch_metric_alarm.heartbeat');
    expect(resolve(heartbeat.namespace)).toBe('mongosafe');
    expect(heartbeat).toMatchObject({
      metric_name: 'BackupSucceeded',
      statistic: 'Sum',
      comparison_operator: 'LessThanThreshold',
      threshold: 1,
      treat_missing_data: 'breaching',
      dimensions: { FunctionName: '${local.jobs.backup.name}' },
      alarm_actions: ['${aws_sns_topic.alarms.arn}'],
    });
    // N one-hour periods that must all breach: fires N hours after the last success.
    expect(heartbeat.period).toBe(3600);
    expect(heartbeat.evaluation_periods).toBe('${var.heartbeat_max_age_hours}');
    expect(heartbeat.datapoints_to_alarm).toBe('${var.heartbeat_max_age_hours}');
    expect(variableDefault('heartbeat_max_age_hours')).toBe(26);
    // CloudWatch caps period × evaluation periods at 7 days.
    expect(conditions('heartbeat_max_age_hours')).toContain('var.heartbeat_max_age_hours <= 168');
  });

  it('alarms when an invocation is dead-lettered', () => {
    expect(resource('aws_cloudwatch_metric_alarm.dead_letters')).toMatchObject({
      namespace: 'AWS/SQS',
      metric_name: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: '${aws_sqs_queue.dead_letters.name}' },
      alarm_actions: ['${aws_sns_topic.alarms.arn}'],
    });
  });

  it('sends alarms to a topic with an optional email subscription; the queue is encrypted', () => {
    expect(resource('aws_sns_topic.alarms').kms_master_key_id).toBe('${var.sns_kms_key_arn}');
    const email = resource('aws_sns_topic_subscription.email');
    expect(email).toMatchObject({ protocol: 'email', endpoint: '${var.alarm_email}', count: '${var.alarm_email == null ? 0 : 1}' });
    expect(resource('aws_sqs_queue.dead_letters').sqs_managed_sse_enabled).toBe(true);
  });
});

describe('Fargate runner (runner = "fargate")', () => {
  const task = (): Hcl => resource('aws_ecs_task_definition.this');
  const statementsOf = (doc: Hcl): Hcl[] => [...blocks(doc, 'statement'), ...dynamicContents(doc, 'statement')];

  it('is off by default: runner is "lambda", validated, and every Fargate resource exists only with "fargate"', () => {
    expect(variableDefault('runner')).toBe('lambda');
    expect(conditions('runner')).toContain('contains(["lambda", "fargate"], var.runner)');
    expect(local('fargate')).toBe('${var.runner == "fargate"}');
    expect(local('tasks')).toBe('${local.fargate ? local.jobs : {}}');
    const fargateOnly = [
      'aws_ecs_cluster.this',
      'aws_iam_role.task_execution',
      'aws_iam_role_policy.task_execution',
      'aws_cloudwatch_event_rule.task_failed',
      'aws_cloudwatch_event_target.task_failed',
      'aws_sns_topic_policy.alarms',
    ];
    for (const key of fargateOnly) expect(resource(key).count, key).toBe('${local.fargate ? 1 : 0}');
    for (const key of ['aws_ecs_task_definition.this', 'aws_cloudwatch_log_group.task']) expect(resource(key).for_each, key).toBe('${local.tasks}');
    expect(resource('aws_security_group.task').count).toBe('${local.create_security_group ? 1 : 0}');
    expect(local('create_security_group')).toBe('${local.fargate && var.security_group_ids == null}');
  });

  it('creates no Lambda function, log group or retry setting with "fargate"', () => {
    expect(local('functions')).toBe('${local.fargate ? {} : local.jobs}');
    expect(resource('aws_lambda_function.this').for_each).toBe('${local.functions}');
    expect(resource('aws_cloudwatch_log_group.lambda').for_each).toBe('${local.functions}');
    expect(resource('aws_lambda_function_event_invoke_config.this').for_each).toBe('${aws_lambda_function.this}');
    // The zip is then not needed; the Lambda runner still requires it.
    expect(variableDefault('lambda_zip_path')).toBeNull();
    expect(conditions('lambda_zip_path')).toContain('var.runner != "lambda" || fileexists(');
  });

  it('runs each job as a task definition whose task role is the job\'s role, with the same policy document as the function', () => {
    expect(task().task_role_arn).toBe('${each.value.role_arn}');
    expect(task().execution_role_arn).toBe('${aws_iam_role.task_execution[0].arn}');
    // One role per job whichever the runner: only its trust differs.
    expect(resource('aws_iam_role.lambda').assume_role_policy).toBe('${data.aws_iam_policy_document.job_trust.json}');
    expect(resource('aws_iam_role_policy.lambda').policy).toBe('${data.aws_iam_policy_document.lambda.json}');
    expect(resource('aws_iam_role_policy.drill').policy).toBe('${data.aws_iam_policy_document.drill[0].json}');
    const policies = [...mod.resources].filter(([key]) => key.startsWith('aws_iam_role_policy.')).map(([key, body]) => [key, body.role]);
    expect(policies.filter(([, role]) => String(role).includes('aws_iam_role.lambda'))).toEqual([['aws_iam_role_policy.lambda', '${aws_iam_role.lambda.id}']]);
    const trust = block(data('aws_iam_policy_document.job_trust'), 'statement');
    expect(block(trust, 'principals').identifiers).toEqual(['${local.fargate ? "ecs-tasks.amazonaws.com" : "lambda.amazonaws.com"}']);
    expect(dynamicContents(trust, 'condition')).toEqual([
      { test: 'StringEquals', variable: 'aws:SourceAccount', values: ['${local.account_id}'] },
      { test: 'ArnLike', variable: 'aws:SourceArn', values: ['arn:${data.aws_partition.current.partition}:ecs:${local.region}:${local.account_id}:*'] },
    ]);
    expect(((trust.dynamic as Hcl).condition as Hcl[]).map((d) => d.for_each)).toEqual(['${local.fargate ? [1] : []}', '${local.fargate ? [1] : []}']);
  });

  it('is a Fargate task on Linux, ARM64 by default, 1 vCPU and 2 GiB, sizes validated', () => {
    expect(task()).toMatchObject({ requires_compatibilities: ['FARGATE'], network_mode: 'awsvpc', cpu: '${tostring(var.task_cpu)}', memory: '${tostring(var.task_memory)}' });
    expect(block(task(), 'runtime_platform')).toEqual({ operating_system_family: 'LINUX', cpu_architecture: '${var.task_cpu_architecture}' });
    expect(variableDefault('task_cpu_architecture')).toBe('ARM64');
    expect(conditions('task_cpu_architecture')).toContain('contains(["ARM64", "X86_64"], var.task_cpu_architecture)');
    expect([variableDefault('task_cpu'), variableDefault('task_memory'), variableDefault('task_ephemeral_storage_gib')]).toEqual([1024, 2048, null]);
    expect(dynamicContents(task(), 'ephemeral_storage')).toEqual([{ size_in_gib: '${ephemeral_storage.value}' }]);
  });

  it('gives the container a read-only root, a writable /tmp task volume, a non-root user, and the job\'s log group', () => {
    expect(task().container_definitions).toBe('${jsonencode(local.container_definitions[each.key])}');
    expect(block(task(), 'volume')).toEqual({ name: 'tmp' });
    const group = resource('aws_cloudwatch_log_group.task');
    expect(group.name).toBe('/ecs/${each.value.name}');
    expect(resolve(group.retention_in_days)).toBe(90);
    // The rest is evaluated by terraform (below): user 65532, readonlyRootFilesystem, /tmp, the environment.
  });

  it('never lets the execution role read the secret, and gives the container no secrets: the job reads it with its task role', () => {
    const execution = statementsOf(data('aws_iam_policy_document.task_execution'));
    const actions = execution.flatMap((s) => strings(s.actions));
    expect(actions.sort()).toEqual(['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetAuthorizationToken', 'ecr:GetDownloadUrlForLayer', 'logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(allStrings(execution).filter((v) => /secret|kms/i.test(v))).toEqual([]);
    expect(allStrings([local('container_definitions')]).filter((v) => /secrets|valueFrom/i.test(v))).toEqual([]);
    const logs = execution.find((s) => strings(s.actions).includes('logs:PutLogEvents'));
    expect(logs?.resources).toBe('${[for group in aws_cloudwatch_log_group.task : "${group.arn}:*"]}');
    const pull = execution.find((s) => strings(s.actions).includes('ecr:BatchGetImage'));
    expect(pull?.resources).toEqual(['${local.ecr_repository_arn}']);
    expect(resource('aws_iam_role.task_execution').assume_role_policy).toBe('${data.aws_iam_policy_document.service_trust["ecs-tasks.amazonaws.com"].json}');
  });

  it('lets the scheduler run only these task families on this cluster, and pass the tasks\' roles to ECS tasks only', () => {
    const dynamics = ((data('aws_iam_policy_document.scheduler').dynamic as Hcl).statement as Hcl[]).map((d) => block(d, 'content'));
    const runTask = dynamics.find((s) => strings(s.actions).includes('ecs:RunTask')) as Hcl;
    expect(block(runTask, 'condition')).toEqual({ test: 'ArnEquals', variable: 'ecs:cluster', values: ['${aws_ecs_cluster.this[0].arn}'] });
    const passRole = dynamics.find((s) => strings(s.actions).includes('iam:PassRole')) as Hcl;
    expect(block(passRole, 'condition')).toEqual({ test: 'StringEquals', variable: 'iam:PassedToService', values: ['ecs-tasks.amazonaws.com'] });
    expect(dynamics.flatMap((s) => strings(s.actions))).not.toContain('ecs:TagResource');
  });

  it('schedules RunTask through the universal target, with the job\'s command and SCHEDULED_TIME as overrides', () => {
    expect(local('run_task_target')).toBe('arn:aws:scheduler:::aws-sdk:ecs:runTask');
    expect(local('backup_command')).toEqual(['job']);
    expect(local('drill_command')).toEqual(['job', 'verify', '--deep']);
    expect(String(local('schedules'))).toMatch(/input\s+= local\.backup_input\s+function\s+= "backup"\s+command\s+= local\.backup_command/);
    expect(String(local('schedules'))).toMatch(/input\s+= local\.drill_input\s+function\s+= local\.drill_function\s+command\s+= local\.drill_command/);
    // The same retry policy and dead-letter queue for both runners: one target block.
    expect(blocks(resource('aws_scheduler_schedule.this'), 'target')).toHaveLength(1);
    expect(variableDefault('assign_public_ip')).toBe(true);
  });

  it('keeps the heartbeat for both runners, and alarms on a task that failed or stopped without succeeding', () => {
    const heartbeat = resource('aws_cloudwatch_metric_alarm.heartbeat');
    expect(heartbeat).not.toHaveProperty('count');
    expect(heartbeat.dimensions).toEqual({ FunctionName: '${local.jobs.backup.name}' });
    // The failure alarms per schedule are evaluated by terraform below (failure_alarms).
    const pattern = String(resource('aws_cloudwatch_event_rule.task_failed').event_pattern);
    for (const part of ['source        = ["aws.ecs"]', '"detail-type" = ["ECS Task State Change"]', 'lastStatus        = ["STOPPED"]', 'clusterArn        = [aws_ecs_cluster.this[0].arn]', '{ containers = { exitCode = [{ "anything-but" = 0 }] } }', '{ containers = { exitCode = [{ exists = false }] } }', '{ stopCode = [{ "anything-but" = "EssentialContainerExited" }] }']) {
      expect(pattern).toContain(part);
    }
    expect(resource('aws_cloudwatch_event_target.task_failed')).toMatchObject({ rule: '${aws_cloudwatch_event_rule.task_failed[0].name}', arn: '${aws_sns_topic.alarms.arn}' });
  });

  it('admits to the topic that rule alone and this account\'s CloudWatch alarms', () => {
    expect(resource('aws_sns_topic_policy.alarms').policy).toBe('${data.aws_iam_policy_document.alarms_topic[0].json}');
    const doc = data('aws_iam_policy_document.alarms_topic');
    expect(blocks(doc, 'statement')).toEqual([]);
    const [publishers, ...more] = (doc.dynamic as Hcl).statement as Hcl[];
    expect(more).toEqual([]);
    expect(publishers?.for_each).toEqual({
      CloudWatchAlarms: {
        service: 'cloudwatch.amazonaws.com',
        test: 'ArnLike',
        source: 'arn:${data.aws_partition.current.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:*',
      },
      TaskFailedRule: { service: 'events.amazonaws.com', test: 'ArnEquals', source: '${aws_cloudwatch_event_rule.task_failed[0].arn}' },
    });
    const content = block(publishers as Hcl, 'content');
    expect(content).toMatchObject({ sid: '${statement.key}', actions: ['sns:Publish'], resources: ['${aws_sns_topic.alarms.arn}'] });
    expect(block(content, 'principals')).toEqual({ type: 'Service', identifiers: ['${statement.value.service}'] });
    expect(blocks(content, 'condition')).toEqual([
      { test: '${statement.value.test}', variable: 'aws:SourceArn', values: ['${statement.value.source}'] },
      { test: 'StringEquals', variable: 'aws:SourceAccount', values: ['${local.account_id}'] },
    ]);
  });

  it('lets the module\'s security group take no inbound traffic and send TCP to egress_tcp_ports only', () => {
    const group = resource('aws_security_group.task');
    expect(group).not.toHaveProperty('ingress');
    expect(group).not.toHaveProperty('egress');
    expect([...mod.resources.keys()].filter((key) => key.includes('ingress'))).toEqual([]);
    expect(resource('aws_vpc_security_group_egress_rule.task')).toMatchObject({ ip_protocol: 'tcp', from_port: '${tonumber(each.value)}', to_port: '${tonumber(each.value)}', cidr_ipv4: '0.0.0.0/0' });
    expect(variableDefault('egress_tcp_ports')).toEqual([443, 27015, 27016, 27017]);
  });

  it('outputs the cluster, the task definitions and the execution role, null with "lambda"; the function outputs null with "fargate"', () => {
    for (const name of ['cluster_arn', 'task_definition_arn', 'drill_task_definition_arn', 'task_execution_role_arn', 'function_name', 'function_arn']) {
      expect(String(get(mod.outputs, name).value), name).toMatch(/^\$\{try\(.*, null\)\}$/);
    }
    expect(get(mod.outputs, 'log_group_name').value).toBe('${local.fargate ? aws_cloudwatch_log_group.task["backup"].name : aws_cloudwatch_log_group.lambda["backup"].name}');
  });

  it('leaves the example on Lambda', () => {
    expect(get(example.modules, 'mongodb_backup')).not.toHaveProperty('runner');
  });
});

describe('outputs', () => {
  it('exposes what the docs and the example use', () => {
    for (const name of ['bucket_name', 'bucket_arn', 'destination', 'function_name', 'function_arn', 'alarm_topic_arn', 'log_group_name', 'schedule_arn', 'drill_function_name']) {
      expect(mod.outputs.has(name), name).toBe(true);
    }
  });
});

describe('example moms-recipe-box', () => {
  const call = (): Hcl => get(example.modules, 'mongodb_backup');

  it('reproduces the seed plan with the seed names', () => {
    expect(call()).toMatchObject({
      source: '../../modules/mongodb-backup',
      bucket_name: 'momsrecipebox-mongodb-backups-${data.aws_caller_identity.current.account_id}',
      mongodb_uri_secret_arn: '${data.aws_secretsmanager_secret.app.arn}',
      mongodb_uri_secret_key: 'MONGODB_URI',
      databases: ['momsrecipebox'],
      schedule_expression: 'cron(0 3 * * ? *)',
      schedule_timezone: 'UTC',
      transition_to_ia_days: 30,
      transition_to_glacier_days: 90,
      expiration_days: 365,
      alarm_email: '${var.alarm_email}',
    });
    expect(get(example.data, 'aws_secretsmanager_secret.app').name).toBe('moms-recipe-secrets');
    expect(example.data.has('aws_caller_identity.current')).toBe(true);
    expect(get(example.providers, 'aws').region).toBe('${var.region}');
    expect(get(example.variables, 'alarm_email')).toHaveProperty('default', null);
  });

  it('encrypts client-side with a rotated KMS key of its own that Terraform will not delete, and drills weekly', () => {
    expect(call()).toMatchObject({
      // A function's result is known non-null at plan time; the bare attribute is not, and the drill's count would be unknown.
      client_side_kms_key_arn: '${trimspace(aws_kms_key.backups.arn)}',
      drill_schedule_expression: 'cron(0 5 ? * SUN *)',
    });
    const key = get(example.resources, 'aws_kms_key.backups');
    expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30, policy: '${data.aws_iam_policy_document.backups_key.json}' });
    expect(block(key, 'lifecycle').prevent_destroy).toBe(true);
  });

  // The module requires aws.replica; without a replica (or with one in this account) it is the same provider.
  it('passes the one provider as aws and aws.replica, with Object Lock and the replica off', () => {
    expect(call().providers).toEqual({ aws: '${aws}', 'aws.replica': '${aws}' });
    for (const name of ['object_lock_mode', 'object_lock_days', 'replica_region', 'replica_account_id']) expect(call(), name).not.toHaveProperty(name);
    expect(get(example.outputs, 'replica_destination').value).toBe('${module.mongodb_backup.replica_destination}');
  });

  it('gives the module every variable it requires and only variables it declares', () => {
    const given = Object.keys(call()).filter((k) => !['source', 'providers', 'depends_on', 'count', 'for_each'].includes(k));
    expect(given.filter((name) => !mod.variables.has(name))).toEqual([]);
    const required = [...mod.variables].filter(([, body]) => !('default' in body)).map(([name]) => name);
    expect(required.filter((name) => !given.includes(name))).toEqual([]);
  });
});

describe('with the terraform CLI', async () => {
  const binary = await findTerraformBinary();
  if (binary === null) {
    console.log('NOTICE: neither terraform nor tofu is on PATH: `fmt -check` and the variable-validation tests are skipped.');
  }

  it.skipIf(binary === null)('formats every file canonically (fmt -check)', () => {
    const result = runTerraform(binary as string, ['fmt', '-check', '-recursive', '-no-color', TERRAFORM_ROOT], REPO_ROOT);
    expect(result.output.split('\n').filter((l) => l.endsWith('.tf'))).toEqual([]);
    expect(result.status).toBe(0);
  });

  // variables.tf alone is a valid root module without any provider, so `plan`
  // evaluates the real validation blocks offline.
  describe.skipIf(binary === null)('variable validations', () => {
    let dir: string;
    const base = ['-var', 'bucket_name=momsrecipebox-mongodb-backups-123456789012', '-var', 'lambda_zip_path=lambda.zip'];
    const secret = ['-var', 'mongodb_uri_secret_arn=arn:aws:secretsmanager:us-east-1:123456789012:secret:moms-recipe-secrets-AbCdEf'];
    const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const KEY_ALIAS_ARN = 'arn:aws:kms:us-east-1:123456789012:alias/mongosafe-backups';
    const plan = (...vars: string[]) =>
      runTerraform(binary as string, ['plan', '-input=false', '-no-color', '-lock=false', ...base, ...vars], dir);
    /** Applies the root (outputs only: nothing is created) with an existing secret, and returns its outputs; a null output is absent. */
    const evaluateOutputs = (...vars: string[]): Record<string, unknown> => {
      const apply = runTerraform(binary as string, ['apply', '-auto-approve', '-input=false', '-no-color', '-lock=false', ...base, ...secret, ...vars], dir);
      expect(apply.status, apply.output).toBe(0);
      const outputs = JSON.parse(runTerraform(binary as string, ['output', '-json'], dir).stdout) as Record<string, { value: unknown }>;
      return Object.fromEntries(Object.entries(outputs).map(([name, output]) => [name, output.value]));
    };

    beforeAll(async () => {
      dir = await tempDir('mongosafe-tf-vars-');
      await copyFile(join(MODULE_DIR, 'variables.tf'), join(dir, 'variables.tf'));
      await writeFile(join(dir, 'lambda.zip'), '');
      const init = runTerraform(binary as string, ['init', '-input=false', '-no-color', '-backend=false'], dir);
      expect(init.status, init.output).toBe(0);
    });

    it('accepts the defaults with an existing secret, or with create_secret', () => {
      const existing = plan(...secret);
      expect(existing.status, existing.output).toBe(0);
      const created = plan('-var', 'create_secret=true', '-var', 'secret_name=mongosafe/uri');
      expect(created.status, created.output).toBe(0);
    });

    it('accepts Object Lock with an expiry at least as long, and a replica in this or another account with its own key', () => {
      for (const mode of ['GOVERNANCE', 'COMPLIANCE']) {
        const locked = plan(...secret, '-var', `object_lock_mode=${mode}`, '-var', 'object_lock_days=365');
        expect(locked.status, locked.output).toBe(0);
      }
      const replica = plan(...secret, '-var', 'replica_region=us-west-2', '-var', 'object_lock_mode=GOVERNANCE', '-var', 'object_lock_days=30');
      expect(replica.status, replica.output).toBe(0);
      const crossAccount = plan(
        ...secret,
        '-var', 'replica_region=us-west-2',
        '-var', 'replica_account_id=210987654321',
        '-var', `kms_key_arn=${KEY_ARN}`,
        '-var', `replica_kms_key_arn=${KEY_ARN.replace('us-east-1:123456789012', 'us-west-2:210987654321')}`,
      );
      expect(crossAccount.status, crossAccount.output).toBe(0);
    });

    it('accepts a client-side KMS key ARN, single- or multi-Region, beside a different bucket key', () => {
      const single = plan(...secret, '-var', `client_side_kms_key_arn=${KEY_ARN}`, '-var', `kms_key_arn=${KEY_ARN.replace('1234abcd', '9999abcd')}`);
      expect(single.status, single.output).toBe(0);
      const multiRegion = plan(...secret, '-var', 'client_side_kms_key_arn=arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab');
      expect(multiRegion.status, multiRegion.output).toBe(0);
    });

    it.each([
      ['STANDARD_IA before 30 days', ['-var', 'transition_to_ia_days=29'], 'transition_to_ia_days must be at least 30'],
      ['GLACIER less than 30 days after STANDARD_IA', ['-var', 'transition_to_glacier_days=59'], 'transition_to_glacier_days must be at least transition_to_ia_days + 30'],
      ['expiry before GLACIER', ['-var', 'expiration_days=90'], 'expiration_days must be greater than transition_to_glacier_days'],
      ['a deprecated runtime', ['-var', 'runtime=nodejs20.x'], 'runtime must be nodejs22.x or nodejs24.x'],
      ['an unknown verify mode', ['-var', 'verify=fast'], 'verify must be "none" or "full"'],
      ['more than 2 Lambda retries', ['-var', 'lambda_retry_attempts=3'], 'lambda_retry_attempts must be 0, 1 or 2'],
      ['a log retention CloudWatch refuses', ['-var', 'log_retention_days=10'], 'log_retention_days must be one of'],
      ['a heartbeat window over 7 days', ['-var', 'heartbeat_max_age_hours=169'], 'heartbeat_max_age_hours must be between 2 and 168'],
      ['an unknown Object Lock mode', ['-var', 'object_lock_mode=LEGAL', '-var', 'object_lock_days=30'], 'object_lock_mode must be null, "GOVERNANCE" or "COMPLIANCE"'],
      ['an Object Lock mode without days', ['-var', 'object_lock_mode=GOVERNANCE'], 'object_lock_days must be given with object_lock_mode, and only with it'],
      ['Object Lock days without a mode', ['-var', 'object_lock_days=30'], 'object_lock_days must be given with object_lock_mode, and only with it'],
      ['Object Lock days of 0', ['-var', 'object_lock_mode=COMPLIANCE', '-var', 'object_lock_days=0'], 'object_lock_days must be a whole number of at least 1'],
      ['an expiry before the lock ends', ['-var', 'object_lock_mode=COMPLIANCE', '-var', 'object_lock_days=400'], 'expiration_days must be at least object_lock_days'],
      ['a replica region that is not one', ['-var', 'replica_region=US West'], 'replica_region must be null or an AWS region name'],
      ['a replica account without a replica region', ['-var', 'replica_account_id=210987654321'], 'replica_account_id must be null or a 12-digit account id, and needs replica_region'],
      ['a replica key in another region', ['-var', 'replica_region=us-west-2', '-var', `replica_kms_key_arn=${KEY_ARN}`], 'replica_kms_key_arn must be null or the ARN of a KMS key in replica_region'],
      ['an SSE-KMS bucket replicated without a replica key', ['-var', 'replica_region=us-west-2', '-var', `kms_key_arn=${KEY_ARN}`], 'replica_kms_key_arn is required when kms_key_arn and replica_region are set'],
      ['a default replica bucket name over 63 characters', ['-var', `bucket_name=${'b'.repeat(60)}`, '-var', 'replica_region=us-west-2'], 'replica_bucket_name (by default bucket_name + "-replica"'],
      ['a missing zip', ['-var', 'lambda_zip_path=missing.zip'], 'run `npm run package:lambda` first'],
      ['an uppercase bucket name', ['-var', 'bucket_name=Moms'], 'bucket_name must be a valid S3 bucket name'],
      ['a leading slash in prefix', ['-var', 'prefix=/backups'], "prefix must not start with '/'"],
      ['a keep rule of 0', ['-var', 'keep={daily=0}'], 'Each keep rule must be a whole number of at least 1'],
      ['a schedule that is not cron() or rate()', ['-var', 'schedule_expression=0 3 * * *'], 'schedule_expression must be a cron(...) or rate(...) expression'],
      ['a key alias as the client-side key', ['-var', `client_side_kms_key_arn=${KEY_ALIAS_ARN}`], 'an alias is not accepted'],
      ['a key id as the client-side key', ['-var', 'client_side_kms_key_arn=1234abcd-12ab-34cd-56ef-1234567890ab'], 'client_side_kms_key_arn must be null or a KMS key ARN'],
      ['an unknown runner', ['-var', 'runner=ecs'], 'runner must be "lambda" or "fargate"'],
      ['Fargate without an image', ['-var', 'runner=fargate', '-var', 'subnet_ids=["subnet-1"]'], 'container_image is required with runner = "fargate"'],
      ['Fargate with a blank image', ['-var', 'runner=fargate', '-var', 'subnet_ids=["subnet-1"]', '-var', 'container_image= '], 'container_image is required with runner = "fargate"'],
      ['Fargate without subnets', ['-var', 'runner=fargate', '-var', 'container_image=mongosafe:1'], 'subnet_ids is required with runner = "fargate"'],
      ['a CPU size Fargate does not have', ['-var', 'task_cpu=3072'], 'task_cpu must be one of'],
      ['less memory than Fargate gives 1 vCPU', ['-var', 'task_memory=1024'], 'task_memory is not a size Fargate offers'],
      ['a memory size between Fargate\'s steps', ['-var', 'task_cpu=8192', '-var', 'task_memory=18432'], 'task_memory is not a size Fargate offers'],
      ['1.5 GiB on 0.25 vCPU', ['-var', 'task_cpu=256', '-var', 'task_memory=1536'], 'task_memory is not a size Fargate offers'],
      ['20 GiB of ephemeral storage (the free size: leave it null)', ['-var', 'task_ephemeral_storage_gib=20'], 'task_ephemeral_storage_gib must be null'],
      ['more ephemeral storage than Fargate gives', ['-var', 'task_ephemeral_storage_gib=201'], 'task_ephemeral_storage_gib must be null'],
      ['a lowercase architecture', ['-var', 'task_cpu_architecture=arm64'], 'task_cpu_architecture must be "ARM64" or "X86_64"'],
      ['the bucket key as the client-side key', ['-var', `client_side_kms_key_arn=${KEY_ARN}`, '-var', `kms_key_arn=${KEY_ARN}`], 'client_side_kms_key_arn must be a key of its own'],
      ['the secret key as the client-side key', ['-var', `client_side_kms_key_arn=${KEY_ARN}`, '-var', `secret_kms_key_arn=${KEY_ARN}`], 'client_side_kms_key_arn must be a key of its own'],
    ])('rejects %s', (_, vars, message) => {
      const result = plan(...secret, ...vars);
      expect(result.status).not.toBe(0);
      expect(result.output.replace(/\s+/g, ' ')).toContain(message);
    });

    // The module's own expressions, copied from its parsed locals into a root
    // module without resources, and evaluated by `apply` (nothing is created).
    it('computes the destination, the key prefixes and the KEEP_* environment as the handler expects', async () => {
      const names = ['key_prefix', 'data_prefix', 'manifests_prefix', 'destination', 'keep_env', 'encrypt_env', 'separate_drill', 'drill_function'];
      const evaluate = evaluateOutputs;
      const source = [
        'locals {',
        ...names.map((name) => `  ${name} = ${toHclSource(String(local(name)))}`),
        '}',
        ...names.map((name) => `output "${name}" {\n  value = local.${name}\n}`),
      ].join('\n');
      await writeFile(join(dir, 'locals.tf'), source);
      try {
        expect(evaluate()).toEqual({
          key_prefix: '',
          data_prefix: 'data/',
          manifests_prefix: 'manifests/',
          destination: 's3://momsrecipebox-mongodb-backups-123456789012',
          keep_env: {},
          encrypt_env: {},
          separate_drill: false,
          drill_function: 'backup',
        });
        expect(evaluate('-var', 'prefix=recipes/prod/', '-var', 'keep={daily=7, monthly=12}')).toEqual({
          key_prefix: 'recipes/prod/',
          data_prefix: 'recipes/prod/data/',
          manifests_prefix: 'recipes/prod/manifests/',
          destination: 's3://momsrecipebox-mongodb-backups-123456789012/recipes/prod',
          keep_env: { KEEP_DAILY: '7', KEEP_MONTHLY: '12' },
          encrypt_env: {},
          separate_drill: false,
          drill_function: 'backup',
        });
        // Client-side encryption alone: ENCRYPT on the function, the drill (if any) stays on it.
        expect(evaluate('-var', `client_side_kms_key_arn=${KEY_ARN}`)).toMatchObject({
          encrypt_env: { ENCRYPT: `kms:${KEY_ARN}` },
          separate_drill: false,
          drill_function: 'backup',
        });
        // A drill without client-side encryption: one function, as before.
        expect(evaluate('-var', 'drill_schedule_expression=cron(0 5 ? * SUN *)')).toMatchObject({ encrypt_env: {}, separate_drill: false, drill_function: 'backup' });
        // Both: the drill gets a function (and role) of its own.
        expect(evaluate('-var', `client_side_kms_key_arn=${KEY_ARN}`, '-var', 'drill_schedule_expression=cron(0 5 ? * SUN *)')).toMatchObject({
          encrypt_env: { ENCRYPT: `kms:${KEY_ARN}` },
          separate_drill: true,
          drill_function: 'drill',
        });
      } finally {
        await rm(join(dir, 'locals.tf'));
        await rm(join(dir, 'terraform.tfstate'), { force: true });
      }
    });

    // runner = "fargate" needs no zip; the Lambda runner still does.
    it('accepts Fargate without lambda_zip_path, and every CPU/memory pair Fargate offers', () => {
      const fargate = ['-var', 'runner=fargate', '-var', 'container_image=mongosafe:1', '-var', 'subnet_ids=["subnet-1"]'];
      const withoutZip = runTerraform(binary as string, ['plan', '-input=false', '-no-color', '-lock=false', '-var', 'bucket_name=momsrecipebox-mongodb-backups-123456789012', ...secret, ...fargate], dir);
      expect(withoutZip.status, withoutZip.output).toBe(0);
      const lambdaWithoutZip = runTerraform(binary as string, ['plan', '-input=false', '-no-color', '-lock=false', '-var', 'bucket_name=momsrecipebox-mongodb-backups-123456789012', ...secret], dir);
      expect(lambdaWithoutZip.status).not.toBe(0);
      expect(lambdaWithoutZip.output.replace(/\s+/g, ' ')).toContain('(required with runner = "lambda")');
      for (const [cpu, memory] of [[256, 512], [256, 2048], [512, 4096], [2048, 16384], [4096, 30720], [8192, 61440], [16384, 122880]]) {
        const sized = plan(...secret, '-var', `task_cpu=${cpu}`, '-var', `task_memory=${memory}`, '-var', 'task_ephemeral_storage_gib=200', '-var', 'task_cpu_architecture=X86_64');
        expect(sized.status, `${cpu}/${memory}: ${sized.output}`).toBe(0);
      }
    });

    // The container and the RunTask requests as Terraform evaluates them; resource
    // attributes are stand-ins naming the resource (evaluate-locals.ts).
    it('evaluates the Fargate container and the RunTask requests: the Lambda\'s environment, no connection string, the overrides', async () => {
      const names = ['functions', 'tasks', 'container_definitions', 'run_task_requests', 'ecr_repository_arn', 'failure_alarms'];
      const evaluate = evaluateOutputs;
      const fargate = ['-var', 'runner=fargate', '-var', 'subnet_ids=["subnet-1","subnet-2"]'];
      const ecrImage = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/mongosafe:1.4.0';
      await writeFile(join(dir, 'locals.tf'), localsSource(mod, names));
      try {
        // The default: functions, no task.
        const lambda = evaluate();
        expect(Object.keys(lambda.functions as Hcl)).toEqual(['backup']);
        // A null output is not stored: absent from `terraform output`.
        expect([lambda.tasks, lambda.container_definitions, lambda.run_task_requests, lambda.ecr_repository_arn ?? null]).toEqual([{}, {}, {}, null]);
        expect(lambda.failure_alarms).toEqual({
          backup: {
            name: 'mongodb-backup-errors',
            description: 'A mongosafe run of mongodb-backup failed (the handler threw or timed out). See the log group /aws/lambda/mongodb-backup.',
            namespace: 'AWS/Lambda',
            metric: 'Errors',
            job: 'mongodb-backup',
            statistic: 'Sum',
            comparison: 'GreaterThanOrEqualToThreshold',
          },
        });

        const both = evaluate(...fargate, '-var', `container_image=${ecrImage}`, '-var', `client_side_kms_key_arn=${KEY_ARN}`, '-var', 'drill_schedule_expression=cron(0 5 ? * SUN *)', '-var', 'keep={daily=7}');
        expect(both.functions).toEqual({});
        expect(Object.keys(both.tasks as Hcl)).toEqual(['backup', 'drill']);
        expect(both.ecr_repository_arn).toBe('arn:data.aws_partition.current.partition:ecr:eu-west-1:123456789012:repository/team/mongosafe');
        const containers = both.container_definitions as Record<string, Hcl[]>;
        for (const [key, jobName, command] of [['backup', 'mongodb-backup', ['job']], ['drill', 'mongodb-backup-drill', ['job', 'verify', '--deep']]] as const) {
          expect(containers[key]).toHaveLength(1);
          const container = containers[key]?.[0] as Hcl;
          expect(container).toMatchObject({
            name: 'mongosafe',
            image: ecrImage,
            essential: true,
            user: '65532',
            readonlyRootFilesystem: true,
            command,
            mountPoints: [{ sourceVolume: 'tmp', containerPath: '/tmp', readOnly: false }],
            logConfiguration: {
              logDriver: 'awslogs',
              options: { 'awslogs-group': `aws_cloudwatch_log_group.task[${key}].name`, 'awslogs-region': 'data.aws_region.current.region', 'awslogs-stream-prefix': 'mongosafe' },
            },
          });
          expect(container).not.toHaveProperty('secrets');
          const env = Object.fromEntries((container.environment as { name: string; value: string }[]).map((e) => [e.name, e.value]));
          expect(env).toEqual({
            DESTINATION: 's3://momsrecipebox-mongodb-backups-123456789012',
            MONGODB_URI_SECRET: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:moms-recipe-secrets-AbCdEf#MONGODB_URI',
            DATABASES: '',
            VERIFY: 'full',
            NOTIFY_TOPIC_ARN: 'aws_sns_topic.alarms.arn',
            KEEP_DAILY: '7',
            ENCRYPT: `kms:${KEY_ARN}`,
            // The heartbeat's FunctionName for the backup job (alarms.tf).
            JOB_NAME: jobName,
            AWS_REGION: 'data.aws_region.current.region',
          });
          expect(Object.values(env).filter((v) => /mongodb(\+srv)?:\/\//.test(v))).toEqual([]);
        }

        // A task has no AWS/Lambda Errors: the 0 a failing run writes, per schedule, under its job's name.
        const failure = both.failure_alarms as Record<string, Hcl>;
        expect(Object.keys(failure)).toEqual(['backup', 'drill']);
        expect(failure.backup).toMatchObject({ name: 'mongodb-backup-backup-failed', namespace: 'mongosafe', metric: 'BackupSucceeded', job: 'mongodb-backup', statistic: 'Minimum', comparison: 'LessThanThreshold' });
        expect(failure.drill).toMatchObject({ name: 'mongodb-backup-drill-failed', namespace: 'mongosafe', metric: 'VerifySucceeded', job: 'mongodb-backup-drill', statistic: 'Minimum', comparison: 'LessThanThreshold' });
        const requests = both.run_task_requests as Record<string, Hcl>;
        expect(requests.backup).toEqual({
          Cluster: 'aws_ecs_cluster.this[0].arn',
          TaskDefinition: 'aws_ecs_task_definition.this[backup].arn',
          LaunchType: 'FARGATE',
          NetworkConfiguration: { AwsvpcConfiguration: { Subnets: ['subnet-1', 'subnet-2'], SecurityGroups: ['aws_security_group.task[0].id'], AssignPublicIp: 'ENABLED' } },
          Overrides: {
            ContainerOverrides: [{ Name: 'mongosafe', Command: ['job'], Environment: [{ Name: 'SCHEDULED_TIME', Value: '<aws.scheduler.scheduled-time>' }] }],
          },
        });
        expect(requests.drill).toMatchObject({
          TaskDefinition: 'aws_ecs_task_definition.this[drill].arn',
          Overrides: { ContainerOverrides: [{ Name: 'mongosafe', Command: ['job', 'verify', '--deep'] }] },
        });

        // The drill on the backup's task (no client-side encryption); the caller's security groups; a private subnet; another registry.
        const shared = evaluate(...fargate, '-var', 'container_image=ghcr.io/example/mongosafe@sha256:0123', '-var', 'drill_schedule_expression=cron(0 5 ? * SUN *)', '-var', 'security_group_ids=["sg-1"]', '-var', 'assign_public_ip=false');
        expect(Object.keys(shared.tasks as Hcl)).toEqual(['backup']);
        expect(shared.ecr_repository_arn ?? null).toBeNull();
        const drill = (shared.run_task_requests as Record<string, Hcl>).drill;
        expect(drill).toMatchObject({
          TaskDefinition: 'aws_ecs_task_definition.this[backup].arn',
          NetworkConfiguration: { AwsvpcConfiguration: { SecurityGroups: ['sg-1'], AssignPublicIp: 'DISABLED' } },
          Overrides: { ContainerOverrides: [{ Command: ['job', 'verify', '--deep'] }] },
        });
      } finally {
        await rm(join(dir, 'locals.tf'));
        await rm(join(dir, 'terraform.tfstate'), { force: true });
      }
    });

    // What both lifecycle configurations render: the rules as Terraform evaluates them.
    it('evaluates the lifecycle rules to the tiers, expiries and prefixes of the variables', async () => {
      const evaluate = (...vars: string[]): unknown => evaluateOutputs(...vars).lifecycle_rules;
      const expected = (prefix: string, ia: number, glacier: number, expiry: number, noncurrent: number, abort: number): unknown => [
        {
          id: 'data',
          prefix: `${prefix}data/`,
          transitions: [
            { days: ia, storage_class: 'STANDARD_IA' },
            { days: glacier, storage_class: 'GLACIER' },
          ],
          expiration: { days: expiry + 1, expired_object_delete_marker: null },
          noncurrent_days: null,
          abort_incomplete_upload_days: null,
        },
        {
          id: 'manifests',
          prefix: `${prefix}manifests/`,
          transitions: [],
          expiration: { days: expiry, expired_object_delete_marker: null },
          noncurrent_days: null,
          abort_incomplete_upload_days: null,
        },
        {
          id: 'housekeeping',
          prefix: '',
          transitions: [],
          expiration: { days: null, expired_object_delete_marker: true },
          noncurrent_days: noncurrent,
          abort_incomplete_upload_days: abort,
        },
      ];
      await writeFile(join(dir, 'locals.tf'), localsSource(mod, ['lifecycle_rules']));
      try {
        expect(evaluate()).toEqual(expected('', 30, 90, 365, 30, 2));
        const custom = ['prefix=recipes/prod', 'transition_to_ia_days=45', 'transition_to_glacier_days=120', 'expiration_days=400', 'noncurrent_version_expiration_days=7', 'abort_incomplete_multipart_upload_days=5'];
        expect(evaluate(...custom.flatMap((v) => ['-var', v]))).toEqual(expected('recipes/prod/', 45, 120, 400, 7, 5));
      } finally {
        await rm(join(dir, 'locals.tf'));
        await rm(join(dir, 'terraform.tfstate'), { force: true });
      }
    });

    it.each([
      ['neither an existing secret nor create_secret', []],
      ['both an existing secret and create_secret', [...secret, '-var', 'create_secret=true', '-var', 'secret_name=x']],
    ])('rejects %s', (_, vars) => {
      const result = plan(...vars);
      expect(result.status).not.toBe(0);
      expect(result.output.replace(/\s+/g, ' ')).toContain('Give either mongodb_uri_secret_arn');
    });
  });
});
