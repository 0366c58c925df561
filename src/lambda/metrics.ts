/**
 * CloudWatch metrics as embedded metric format (EMF): one JSON log line that
 * CloudWatch Logs turns into metrics, with no PutMetricData call and no extra
 * IAM grant. The Terraform heartbeat alarm (infra/terraform/modules/
 * mongodb-backup/alarms.tf) watches BackupSucceeded in this namespace with the
 * one dimension FunctionName: change them together.
 */
export const METRIC_NAMESPACE = 'mongosafe';

const UNITS = {
  BackupSucceeded: 'Count',
  BackupBytes: 'Bytes',
  BackupDocuments: 'Count',
  BackupDurationSeconds: 'Seconds',
  // The restore drill ({"action": "verify"}) reports under its own names: a
  // drill is not a backup, and must neither feed nor starve the heartbeat.
  VerifySucceeded: 'Count',
  VerifyDurationSeconds: 'Seconds',
} as const;

export type MetricName = keyof typeof UNITS;

/** Values collected during one invocation, written as one line by `flush`. */
export interface Metrics {
  put(name: MetricName, value: number): void;
  /** A searchable field of the line that is not a metric (request id, backup id). */
  setProperty(name: string, value: string | boolean): void;
  /** Writes the line; call once, in `finally`. Nothing is written when nothing was put. */
  flush(): void;
}

export interface MetricsOptions {
  functionName: string;
  write?: (line: string) => void;
  now?: () => number;
}

export function createMetrics(options: MetricsOptions): Metrics {
  const values = new Map<MetricName, number>();
  const properties: Record<string, string | boolean> = {};
  const write = options.write ?? ((line: string) => void process.stdout.write(line));
  return {
    put: (name, value) => void values.set(name, value),
    setProperty: (name, value) => {
      properties[name] = value;
    },
    flush: () => {
      if (values.size === 0) return;
      write(`${emfLine(options.functionName, values, properties, (options.now ?? Date.now)())}\n`);
      values.clear();
    },
  };
}

/** The EMF document: `_aws` metadata, then the dimension and every value as top-level keys. */
export function emfLine(functionName: string, values: ReadonlyMap<MetricName, number>, properties: Record<string, string | boolean>, timestamp: number): string {
  return JSON.stringify({
    ...properties,
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: METRIC_NAMESPACE,
          Dimensions: [['FunctionName']],
          Metrics: [...values.keys()].map((name) => ({ Name: name, Unit: UNITS[name] })),
        },
      ],
    },
    FunctionName: functionName,
    ...Object.fromEntries(values),
  });
}
