import { existsSync, readFileSync } from 'node:fs';
import { ENV_FILE } from '../../scripts/services/paths.js';

export interface TestServices {
  mongodbUri: string;
  /** 'ferretdb' lacks several BSON types and collection features; see shared research ferretdb.md. */
  serverKind: 'ferretdb' | 'mongod' | 'external';
  awsEndpoint: string;
  mongodump?: string;
  mongorestore?: string;
  /** Why mongodump/mongorestore are missing, when they are. */
  mongoToolsUnavailable?: string;
  /** Node 22, the Lambda runtime's, for running the bundle; or why it is missing. */
  node22?: string;
  node22Unavailable?: string;
  /** The SeaweedFS S3 gateway (a second real S3, path-style, keys testing/testing); or why it is missing. */
  seaweedfsEndpoint?: string;
  seaweedfsUnavailable?: string;
}

function fromEnvFile(): Record<string, string> {
  if (!existsSync(ENV_FILE)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(ENV_FILE, 'utf8').split('\n')) {
    const match = /^export (\w+)='(.*)'$/.exec(line);
    if (match?.[1]) out[match[1]] = (match[2] ?? '').replace(/'\\''/g, "'");
  }
  return out;
}

/** The services global-setup started; process.env wins, `.services/env` fills gaps. */
export function testServices(): TestServices {
  const env = { ...fromEnvFile(), ...process.env };
  const { MONGODB_URI, AWS_ENDPOINT_URL } = env;
  if (!MONGODB_URI || !AWS_ENDPOINT_URL) {
    throw new Error('test services are not running: integration tests need test/helpers/global-setup.ts (run them with vitest)');
  }
  for (const key of ['AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const) {
    process.env[key] ??= env[key];
  }
  process.env.AWS_ENDPOINT_URL ??= AWS_ENDPOINT_URL;
  return {
    mongodbUri: MONGODB_URI,
    serverKind: (env.MONGOSAFE_TEST_SERVER as TestServices['serverKind'] | undefined) ?? 'external',
    awsEndpoint: AWS_ENDPOINT_URL,
    mongodump: env.MONGODUMP,
    mongorestore: env.MONGORESTORE,
    mongoToolsUnavailable: env.MONGO_TOOLS_UNAVAILABLE,
    node22: env.NODE22,
    node22Unavailable: env.NODE22_UNAVAILABLE,
    seaweedfsEndpoint: env.SEAWEEDFS_S3_ENDPOINT,
    seaweedfsUnavailable: env.SEAWEEDFS_UNAVAILABLE ?? (env.SEAWEEDFS_S3_ENDPOINT ? undefined : 'SEAWEEDFS_S3_ENDPOINT is not set'),
  };
}

let counter = 0;
/** A database or prefix name no other test (or earlier run) uses. */
export function uniqueName(prefix: string): string {
  counter++;
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter}`;
}
