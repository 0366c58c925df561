// The CloudWatch dashboard (infra/terraform/modules/mongodb-backup/dashboard.tf)
// may only draw what exists: its body is evaluated by terraform (offline, see
// evaluate-locals.ts), and every metric a widget names must be one the Lambda
// writes (read from src/lambda/, emitted-metrics.ts) or one Lambda itself
// publishes; every alarm it lists must be an alarm of the module.
import { copyFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../scripts/services/paths.js';
import { emfLine, METRIC_NAMESPACE, type MetricName } from '../../../src/lambda/metrics.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { emittedMetricNames } from './emitted-metrics.js';
import { localsSource } from './evaluate-locals.js';
import { findTerraformBinary, get, loadTerraform, runTerraform, type TerraformConfig } from './terraform-config.js';

const MODULE_DIR = join(REPO_ROOT, 'infra/terraform/modules/mongodb-backup');
/** What AWS/Lambda publishes per function that a dashboard may draw. */
const LAMBDA_METRICS = new Set(['Errors', 'Invocations', 'Duration', 'Throttles']);
const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const BASE_VARS = [
  '-var',
  'bucket_name=momsrecipebox-mongodb-backups-123456789012',
  '-var',
  'lambda_zip_path=lambda.zip',
  '-var',
  'mongodb_uri_secret_arn=arn:aws:secretsmanager:us-east-1:123456789012:secret:moms-recipe-secrets-AbCdEf',
];

let mod: TerraformConfig;
let emitted: Set<string>;

beforeAll(async () => {
  [mod, emitted] = await Promise.all([loadTerraform(MODULE_DIR), emittedMetricNames()]);
});

interface Widget {
  type: string;
  properties: { title?: string; region?: string; metrics?: unknown[][]; alarms?: string[] };
}

/** A metric row: [namespace, name, dimension name, dimension value, options?]. */
interface MetricRow {
  widget: string;
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
}

function metricRows(widgets: Widget[]): MetricRow[] {
  return widgets
    .filter((w) => w.type === 'metric')
    .flatMap((w) =>
      (w.properties.metrics ?? []).map((row) => {
        const parts = row.filter((part): part is string => typeof part === 'string');
        // Rows are written out in full: "..." (repeat the row above) would hide what is drawn.
        if (parts.includes('...') || parts.length % 2 !== 0) throw new Error(`widget "${w.properties.title}" has a row this test cannot read: ${JSON.stringify(row)}`);
        const [namespace, name, ...dims] = parts as [string, string, ...string[]];
        const dimensions = Object.fromEntries(dims.flatMap((d, i) => (i % 2 === 0 ? [[d, dims[i + 1] as string]] : [])));
        return { widget: w.properties.title ?? '', namespace, name, dimensions };
      }),
    );
}

describe('the Lambda metrics this test compares against', () => {
  it('are read from every metrics.put call in src/lambda, both names of the handler’s failure branch included', () => {
    for (const name of ['BackupSucceeded', 'BackupBytes', 'BackupDocuments', 'BackupDurationSeconds', 'VerifySucceeded', 'VerifyDurationSeconds']) {
      expect(emitted).toContain(name);
    }
    expect(emitted).not.toContain('verify');
  });
});

describe('the dashboard resource', () => {
  it('is on by default, switched by dashboard_enabled, and drawn from local.dashboard_body', () => {
    expect(get(mod.variables, 'dashboard_enabled')).toMatchObject({ type: '${bool}', default: true });
    expect(get(mod.resources, 'aws_cloudwatch_dashboard.this')).toEqual({
      count: '${var.dashboard_enabled ? 1 : 0}',
      dashboard_name: '${var.name}',
      dashboard_body: '${local.dashboard_body}',
    });
  });

  it('outputs its name and its console URL in the module’s region, null when switched off', () => {
    expect(String(get(mod.outputs, 'dashboard_name').value)).toContain('try(aws_cloudwatch_dashboard.this[0].dashboard_name, null)');
    const url = String(get(mod.outputs, 'dashboard_url').value);
    expect(url).toMatch(/^\$\{try\("https:\/\/\$\{local\.dashboard_region\}\.console\.aws\.amazon\.com\/cloudwatch\/home\?region=\$\{local\.dashboard_region\}#dashboards\/dashboard\/\$\{aws_cloudwatch_dashboard\.this\[0\]\.dashboard_name\}", null\)\}$/);
  });
});

describe('the dashboard body, evaluated by terraform', async () => {
  const binary = await findTerraformBinary();
  if (binary === null) console.log('NOTICE: neither terraform nor tofu is on PATH: the dashboard body is not evaluated.');

  let dir: string;
  const evaluate = (...vars: string[]): { widgets: Widget[]; start: string } => {
    const apply = runTerraform(binary as string, ['apply', '-auto-approve', '-input=false', '-no-color', '-lock=false', ...BASE_VARS, ...vars], dir);
    expect(apply.status, apply.output).toBe(0);
    const outputs = JSON.parse(runTerraform(binary as string, ['output', '-json'], dir).stdout) as Record<string, { value: string }>;
    return JSON.parse(get(new Map(Object.entries(outputs)), 'dashboard_body').value) as { widgets: Widget[]; start: string };
  };

  beforeAll(async () => {
    if (binary === null) return;
    dir = await tempDir('mongosafe-tf-dashboard-');
    await copyFile(join(MODULE_DIR, 'variables.tf'), join(dir, 'variables.tf'));
    await writeFile(join(dir, 'lambda.zip'), '');
    await writeFile(join(dir, 'locals.tf'), localsSource(mod, ['dashboard_body']));
    const init = runTerraform(binary, ['init', '-input=false', '-no-color', '-backend=false'], dir);
    expect(init.status, init.output).toBe(0);
  });

  const FARGATE = ['-var', 'runner=fargate', '-var', 'container_image=mongosafe:1', '-var', 'subnet_ids=["subnet-1"]'];
  // jobs: every job's metric dimension; functions: the Lambda functions among
  // them (AWS/Lambda Errors); failureAlarms: the keys of the errors alarm, per
  // function, or with runner = "fargate" per schedule.
  interface Configuration {
    case: string;
    vars: string[];
    backup: string;
    drill: string;
    jobs: Record<string, string>;
    functions: Record<string, string>;
    failureAlarms: string[];
    durationTitle: string;
  }
  const configurations: Configuration[] = [
    {
      case: 'one function (the default)',
      vars: [],
      backup: 'mongodb-backup',
      drill: 'mongodb-backup',
      jobs: { backup: 'mongodb-backup' },
      functions: { backup: 'mongodb-backup' },
      failureAlarms: ['backup'],
      durationTitle: 'Duration per run (seconds; the limit is 900)',
    },
    {
      case: 'a drill function of its own (client-side encryption and a drill schedule)',
      vars: ['-var', `client_side_kms_key_arn=${KEY_ARN}`, '-var', 'drill_schedule_expression=cron(0 5 ? * SUN *)'],
      backup: 'mongodb-backup',
      drill: 'mongodb-backup-drill',
      jobs: { backup: 'mongodb-backup', drill: 'mongodb-backup-drill' },
      functions: { backup: 'mongodb-backup', drill: 'mongodb-backup-drill' },
      failureAlarms: ['backup', 'drill'],
      durationTitle: 'Duration per run (seconds; the limit is 900)',
    },
    {
      case: 'Fargate tasks, the drill on a task of its own',
      vars: [...FARGATE, '-var', `client_side_kms_key_arn=${KEY_ARN}`, '-var', 'drill_schedule_expression=cron(0 5 ? * SUN *)'],
      backup: 'mongodb-backup',
      drill: 'mongodb-backup-drill',
      jobs: { backup: 'mongodb-backup', drill: 'mongodb-backup-drill' },
      functions: {},
      failureAlarms: ['backup', 'drill'],
      durationTitle: 'Duration per run (seconds)',
    },
    {
      case: 'a Fargate task without a drill',
      vars: FARGATE,
      backup: 'mongodb-backup',
      drill: 'mongodb-backup',
      jobs: { backup: 'mongodb-backup' },
      functions: {},
      failureAlarms: ['backup'],
      durationTitle: 'Duration per run (seconds)',
    },
  ];

  describe.skipIf(binary === null).each(configurations)('with $case', (c) => {
    let widgets: Widget[];
    let rows: MetricRow[];
    beforeAll(async () => {
      ({ widgets } = evaluate(...c.vars));
      rows = metricRows(widgets);
      await rm(join(dir, 'terraform.tfstate'), { force: true });
    });

    it('names only metrics the Lambda emits (in its namespace, by function) or Lambda publishes', () => {
      // The namespace and dimension as the handler writes them, not as this test remembers them.
      const emf = JSON.parse(emfLine('f', new Map<MetricName, number>([['BackupSucceeded', 1]]), {}, 0)) as { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] } };
      const [directive] = emf._aws.CloudWatchMetrics;
      expect(directive?.Namespace).toBe(METRIC_NAMESPACE);
      const byName = (r: MetricRow, names: Record<string, string>): boolean =>
        Object.keys(r.dimensions).join() === 'FunctionName' && Object.values(names).includes(r.dimensions.FunctionName ?? '');
      const wrong = rows.filter((r) => {
        if (r.namespace === METRIC_NAMESPACE) return !emitted.has(r.name) || !byName(r, c.jobs) || JSON.stringify(directive?.Dimensions) !== '[["FunctionName"]]';
        if (r.namespace === 'AWS/Lambda') return !LAMBDA_METRICS.has(r.name) || !byName(r, c.functions);
        return true;
      });
      expect(wrong).toEqual([]);
    });

    it('draws every metric the Lambda emits', () => {
      const drawn = new Set(rows.filter((r) => r.namespace === METRIC_NAMESPACE).map((r) => r.name));
      expect([...emitted].filter((name) => !drawn.has(name))).toEqual([]);
    });

    it('takes backup metrics from the backup function and drill metrics from the function that runs the drill', () => {
      for (const r of rows.filter((row) => row.namespace === METRIC_NAMESPACE)) {
        expect(r.dimensions.FunctionName, `${r.name} in "${r.widget}"`).toBe(r.name.startsWith('Verify') ? c.drill : c.backup);
      }
      const errors = rows.filter((r) => r.namespace === 'AWS/Lambda' && r.name === 'Errors').map((r) => r.dimensions.FunctionName);
      expect(errors).toEqual(Object.values(c.functions));
    });

    it('has the six widgets docs/aws.md describes, every metric widget in the module’s region', () => {
      expect(widgets.map((w) => w.properties.title)).toEqual([
        'Backup size per night (archive bytes, compressed)',
        'Documents per night',
        c.durationTitle,
        'Backups: runs, successes, failures',
        'Restore drills: runs and successes',
        'Alarms',
      ]);
      const regions = widgets.filter((w) => w.type === 'metric').map((w) => w.properties.region);
      expect(new Set(regions)).toEqual(new Set(['data.aws_region.current.region']));
    });

    it('lists every alarm of the module, and nothing else, in its alarm widget', () => {
      const alarmWidgets = widgets.filter((w) => w.type === 'alarm');
      expect(alarmWidgets).toHaveLength(1);
      const listed = alarmWidgets.flatMap((w) => w.properties.alarms ?? []);
      // Stand-ins (evaluate-locals.ts): each entry names the resource whose ARN it is.
      const expected = [...mod.resources]
        .filter(([key]) => key.startsWith('aws_cloudwatch_metric_alarm.'))
        .flatMap(([key, body]) => ('for_each' in body ? c.failureAlarms.map((k) => `${key}[${k}].arn`) : [`${key}.arn`]));
      expect(listed.sort()).toEqual(expected.sort());
      expect(get(mod.resources, 'aws_cloudwatch_metric_alarm.errors').for_each).toBe('${local.failure_alarms}');
    });
  });
});
