// The Kubernetes example (examples/kubernetes/), checked offline: no cluster to
// `kubectl apply --dry-run=server` against, so the YAML is parsed and what a
// user relies on is asserted: the schedule cannot overlap, the pod is locked
// down and bounded, secrets come only from the Secret, and every variable set
// is one the job reads (a misspelt name would be silently ignored in a cluster).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../../../scripts/services/paths.js';
import { OPTIONS, type OptionSpec } from '../../../src/config/options.js';

const EXAMPLE_DIR = join(REPO_ROOT, 'examples/kubernetes');

/**
 * What the container reads besides the Lambda's variables: the connection
 * string itself and the run's name and time (the container's own additions to
 * `mongosafe job`), and the AWS SDK's credential chain, region and endpoint
 * (S3-compatible stores).
 */
const CONTAINER_ONLY_ENV = [
  'MONGODB_URI',
  'JOB_NAME',
  'SCHEDULED_TIME',
  'AWS_REGION',
  'AWS_ENDPOINT_URL',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
];

const JOB_ENV = new Set([
  ...Object.values(OPTIONS as Record<string, OptionSpec>).flatMap((option) => (option.lambda ? [option.lambda.env] : [])),
  ...CONTAINER_ONLY_ENV,
]);

/** Variables whose value is a credential: only ever from a Secret. */
const SECRET_ENV = ['MONGODB_URI', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];

type Yaml = { readonly [key: string]: unknown };

function isYaml(value: unknown): value is Yaml {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The mapping at `path` under `root`; throws naming the path when it is missing. */
function at(root: unknown, path: string): Yaml {
  let node = root;
  for (const key of path.split('.')) node = isYaml(node) ? node[key] : undefined;
  if (!isYaml(node)) throw new Error(`${path} is not a mapping`);
  return node;
}

function listAt(root: unknown, path: string): Yaml[] {
  const [parent, key] = splitLast(path);
  const value = (parent === '' ? root : at(root, parent)) as Yaml;
  const list = value[key];
  if (!Array.isArray(list) || !list.every(isYaml)) throw new Error(`${path} is not a list of mappings`);
  return list;
}

function splitLast(path: string): [string, string] {
  const dot = path.lastIndexOf('.');
  return dot < 0 ? ['', path] : [path.slice(0, dot), path.slice(dot + 1)];
}

async function loadYaml(file: string): Promise<Yaml[]> {
  const documents = parseAllDocuments(await readFile(join(EXAMPLE_DIR, file), 'utf8'));
  if (!Array.isArray(documents)) throw new Error(`${file}: not a YAML stream`);
  return documents.map((document) => {
    if (document.errors.length > 0) throw new Error(`${file}: ${document.errors.map((error) => error.message).join('; ')}`);
    const value: unknown = document.toJS();
    if (!isYaml(value)) throw new Error(`${file}: a document is not a mapping`);
    return value;
  });
}

const UNITS: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

/** A Kubernetes storage quantity ("512Mi", "8Gi", "1G") in bytes. */
function bytesOf(quantity: unknown): number {
  const match = /^(\d+)(|k|M|G|T|Ki|Mi|Gi|Ti)$/.exec(String(quantity));
  if (!match) throw new Error(`not a storage quantity: ${String(quantity)}`);
  return Number(match[1]) * (UNITS[match[2] as string] as number);
}

/** Literals that look like a credential: an AWS key id, a URI with a password, a long random token. */
const CREDENTIAL_LITERAL = [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, /:\/\/[^/@\s]*:[^/@\s]*@/, /[A-Za-z0-9+/]{32,}/];

let cronJobs: Yaml[];
let secret: Yaml;
let readme: string;

beforeAll(async () => {
  cronJobs = await loadYaml('cronjob.yaml');
  [secret] = (await loadYaml('secret.example.yaml')) as [Yaml];
  readme = await readFile(join(EXAMPLE_DIR, 'README.md'), 'utf8');
});

const podSpec = (cronJob: Yaml): Yaml => at(cronJob, 'spec.jobTemplate.spec.template.spec');
const containers = (cronJob: Yaml): Yaml[] => listAt(podSpec(cronJob), 'containers');
const envOf = (container: Yaml): Yaml[] => listAt(container, 'env');
const nameOf = (cronJob: Yaml): string => String(at(cronJob, 'metadata').name);

describe('examples/kubernetes/cronjob.yaml', () => {
  it('holds the nightly backup and the weekly drill, both batch/v1 CronJobs', () => {
    expect(cronJobs.map((doc) => [doc.apiVersion, doc.kind])).toEqual([
      ['batch/v1', 'CronJob'],
      ['batch/v1', 'CronJob'],
    ]);
    const [backup, drill] = cronJobs as [Yaml, Yaml];
    expect(at(backup, 'spec').schedule).toBe('0 3 * * *');
    expect(containers(backup).map((container) => container.args)).toEqual([['job']]);
    expect(containers(drill).map((container) => container.args)).toEqual([['job', 'verify', '--deep']]);
  });

  describe.each([0, 1])('CronJob %i', (index) => {
    const cronJob = (): Yaml => cronJobs[index] as Yaml;

    it('runs at a fixed UTC time, never two at once, and keeps a bounded history', () => {
      const spec = at(cronJob(), 'spec');
      expect(spec.timeZone).toBe('Etc/UTC');
      expect(spec.concurrencyPolicy).toBe('Forbid');
      for (const key of ['startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit']) {
        expect(spec[key], key).toEqual(expect.any(Number));
      }
    });

    it('bounds each run: retries, a deadline, Never restarts in place, cleanup after', () => {
      const job = at(cronJob(), 'spec.jobTemplate.spec');
      for (const key of ['backoffLimit', 'activeDeadlineSeconds', 'ttlSecondsAfterFinished']) {
        expect(job[key], key).toEqual(expect.any(Number));
      }
      expect(podSpec(cronJob()).restartPolicy).toBe('Never');
    });

    it('every container has cpu, memory and ephemeral-storage requests and limits', () => {
      for (const container of containers(cronJob())) {
        for (const kind of ['requests', 'limits']) {
          expect(Object.keys(at(container, `resources.${kind}`)).sort(), `${String(container.name)} ${kind}`).toEqual(['cpu', 'ephemeral-storage', 'memory']);
        }
      }
    });

    it('every container runs locked down: uid/gid 65532, read-only root, no privileges, RuntimeDefault seccomp', () => {
      // A container's settings win over the pod's, field by field.
      const pod = podSpec(cronJob()).securityContext;
      for (const container of containers(cronJob())) {
        const effective = { ...(isYaml(pod) ? pod : {}), ...at(container, 'securityContext') };
        expect(effective).toMatchObject({
          runAsNonRoot: true,
          runAsUser: 65532,
          runAsGroup: 65532,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        });
        expect(at(effective, 'capabilities').add).toBeUndefined();
      }
    });

    it('mounts a size-limited emptyDir at /tmp that fits in the ephemeral-storage limit', () => {
      for (const container of containers(cronJob())) {
        const mount = listAt(container, 'volumeMounts').find((candidate) => candidate.mountPath === '/tmp');
        expect(mount, 'a /tmp mount').toBeDefined();
        const volume = listAt(podSpec(cronJob()), 'volumes').find((candidate) => candidate.name === mount?.name);
        const sizeLimit = at(volume, 'emptyDir').sizeLimit;
        expect(bytesOf(sizeLimit)).toBeGreaterThan(0);
        // emptyDir counts against the limit: a smaller limit evicts the pod before /tmp is full.
        expect(bytesOf(at(container, 'resources.limits')['ephemeral-storage'])).toBeGreaterThanOrEqual(bytesOf(sizeLimit));
      }
    });

    it('runs `mongosafe job` with only variables the job reads', () => {
      for (const container of containers(cronJob())) {
        const args = container.args;
        expect(Array.isArray(args) && args[0]).toBe('job');
        expect(container.command, 'the image entrypoint is the CLI').toBeUndefined();
        const names = envOf(container).map((env) => String(env.name));
        expect(names.filter((name) => !JOB_ENV.has(name)), 'unknown variables').toEqual([]);
        expect(new Set(names).size, 'a variable set twice').toBe(names.length);
        expect(names).toEqual(expect.arrayContaining(['MONGODB_URI', 'DESTINATION']));
        expect(names, 'exactly one of MONGODB_URI or MONGODB_URI_SECRET').not.toContain('MONGODB_URI_SECRET');
        expect(container.envFrom, 'envFrom would pass the Secret unchecked').toBeUndefined();
      }
    });

    it('takes credentials only from the Secret, and holds no credential literal', () => {
      for (const container of containers(cronJob())) {
        for (const env of envOf(container)) {
          const name = String(env.name);
          if (SECRET_ENV.includes(name)) {
            expect(env.value, `${name} as a literal`).toBeUndefined();
            const ref = at(env, 'valueFrom.secretKeyRef');
            expect([typeof ref.name, typeof ref.key], name).toEqual(['string', 'string']);
          } else if (env.value !== undefined) {
            // Kubernetes takes only strings here: a bare 7 is refused at apply time.
            expect(typeof env.value, `${name} quoted`).toBe('string');
            for (const pattern of CREDENTIAL_LITERAL) expect(env.value, `${name} looks like a credential`).not.toMatch(pattern);
          }
        }
      }
    });

    it("names only the Secret example's keys, and uses each of them", () => {
      const refs = containers(cronJob()).flatMap((container) =>
        envOf(container).flatMap((env) => (isYaml(env.valueFrom) && isYaml(env.valueFrom.secretKeyRef) ? [env.valueFrom.secretKeyRef] : [])),
      );
      expect(new Set(refs.map((ref) => ref.name))).toEqual(new Set([at(secret, 'metadata').name]));
      expect(refs.map((ref) => ref.key).sort()).toEqual(Object.keys(at(secret, 'stringData')).sort());
    });
  });

  it('the two CronJobs have distinct names and JOB_NAMEs', () => {
    const jobNames = cronJobs.map((cronJob) => containers(cronJob).flatMap(envOf).find((env) => env.name === 'JOB_NAME')?.value);
    expect(new Set(cronJobs.map(nameOf)).size).toBe(2);
    expect(new Set(jobNames).size).toBe(2);
  });
});

describe('examples/kubernetes/secret.example.yaml', () => {
  it('is a Secret given as stringData placeholders, never as data', () => {
    expect([secret.apiVersion, secret.kind]).toEqual(['v1', 'Secret']);
    expect(secret.data).toBeUndefined();
    for (const [key, value] of Object.entries(at(secret, 'stringData'))) expect(String(value), key).toContain('REPLACE_ME');
  });
});

describe('examples/kubernetes/README.md', () => {
  it("runs the CronJobs by their names and a restore whose override is valid JSON naming the Secret", () => {
    const [backup, drill] = cronJobs.map(nameOf);
    expect(readme).toContain(`--from=cronjob/${backup}`);
    expect(readme).toContain(`--from=cronjob/${drill}`);
    expect(readme).toContain('docs/container.md');
    const run = /kubectl run (\S+)[\s\S]*?--overrides='([^']*)'[\s\S]*?-- restore latest --from /.exec(readme);
    expect(run, 'a kubectl run ... -- restore latest --from').not.toBeNull();
    const overrides: unknown = JSON.parse(run?.[2] ?? '');
    // A strategic merge joins containers by name, and kubectl run names the container after the pod.
    const [container] = listAt(at(overrides, 'spec'), 'containers') as [Yaml];
    expect(container.name).toBe(run?.[1]);
    expect(listAt(container, 'envFrom').map((source) => at(source, 'secretRef').name)).toEqual([at(secret, 'metadata').name]);
  });
});
