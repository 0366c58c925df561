import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { ENV_FILE, RUN_DIR, STATE_FILE } from './paths.js';
import { buildFerretDb, startFerretDb } from './ferretdb.js';
import { findMongod, startMongod } from './mongod.js';
import { findMongoTools } from './mongo-tools.js';
import { installMoto, startMoto } from './moto.js';
import { findNode22 } from './node22.js';
import { canConnect, isAlive } from './process.js';
import { buildSeaweedFs, startSeaweedFs } from './seaweedfs.js';

interface Daemon {
  pid: number;
  port: number;
}

export interface ServicesState {
  mongodb: { kind: 'ferretdb' | 'mongod' | 'external'; uri: string; daemon?: Daemon };
  moto: Daemon & { url: string };
  mongoTools: { mongodump: string; mongorestore: string } | { unavailable: string };
  /** Lambda's runtime Node (nodejs22.x), for the bundle's tests. Absent in state written before it existed. */
  node22?: { path: string } | { unavailable: string };
  /** The second real S3 (SeaweedFS's gateway), or why it is missing. Absent in state written before it existed. */
  seaweedfs?: (Daemon & { endpoint: string }) | { unavailable: string };
}

/** What tests and the demo see, also written to `.services/env` as `export` lines. */
export function serviceEnv(state: ServicesState): Record<string, string> {
  const env: Record<string, string> = {
    MONGODB_URI: state.mongodb.uri,
    MONGOSAFE_TEST_SERVER: state.mongodb.kind,
    AWS_ENDPOINT_URL: state.moto.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
  };
  if ('mongodump' in state.mongoTools) {
    env.MONGODUMP = state.mongoTools.mongodump;
    env.MONGORESTORE = state.mongoTools.mongorestore;
  } else {
    env.MONGO_TOOLS_UNAVAILABLE = state.mongoTools.unavailable;
  }
  if (state.node22 && 'path' in state.node22) env.NODE22 = state.node22.path;
  else env.NODE22_UNAVAILABLE = state.node22?.unavailable ?? 'not looked for: run npm run services:down, then services:up';
  if (state.seaweedfs && 'endpoint' in state.seaweedfs) env.SEAWEEDFS_S3_ENDPOINT = state.seaweedfs.endpoint;
  else env.SEAWEEDFS_UNAVAILABLE = state.seaweedfs?.unavailable ?? 'not started: run npm run services:down, then services:up';
  return env;
}

function readState(): ServicesState | undefined {
  if (!existsSync(STATE_FILE)) return undefined;
  try {
    return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as ServicesState;
  } catch {
    return undefined;
  }
}

async function isHealthy(daemon: Daemon | undefined): Promise<boolean> {
  return daemon === undefined || (isAlive(daemon.pid) && (await canConnect(daemon.port)));
}

export async function runningServices(): Promise<ServicesState | undefined> {
  const state = readState();
  if (!state) return undefined;
  const seaweedfs = state.seaweedfs && 'pid' in state.seaweedfs ? state.seaweedfs : undefined;
  return (await isHealthy(state.mongodb.daemon)) && (await isHealthy(state.moto)) && (await isHealthy(seaweedfs)) ? state : undefined;
}

/**
 * Starts whatever is not already running (idempotent) and returns the state.
 * MONGODB_URI in the environment means "use that server": nothing is started for it.
 */
export async function servicesUp(log: (line: string) => void = () => {}, options: { seaweedfs?: boolean } = {}): Promise<{ state: ServicesState; started: boolean }> {
  const wantSeaweedFs = options.seaweedfs !== false;
  const running = await runningServices();
  // Started without SeaweedFS (the demo) and now wanted (the tests): start them all again, with it.
  // (A state written before SeaweedFS joined the services has none: the same.)
  const leftOut = running !== undefined && (running.seaweedfs === undefined || ('unavailable' in running.seaweedfs && running.seaweedfs.unavailable === NOT_REQUESTED));
  if (running && !(wantSeaweedFs && leftOut)) return { state: running, started: false };
  await servicesDown();
  mkdirSync(RUN_DIR, { recursive: true });

  const [mongodb, moto, mongoTools, node22, seaweedfs] = await Promise.all([
    startMongoDb(log),
    installMoto(log).then(startMoto),
    findMongoTools(log),
    findNode22(log),
    wantSeaweedFs ? startSeaweedFsIfBuilt(log) : { unavailable: NOT_REQUESTED },
  ]);
  const state: ServicesState = { mongodb, moto: { pid: moto.pid, port: moto.port, url: moto.url }, mongoTools, node22, seaweedfs };
  writeState(state);
  return { state, started: true };
}

function writeState(state: ServicesState): void {
  writeFileSync(STATE_FILE, JSON.stringify(state, null, 2));
  const lines = Object.entries(serviceEnv(state)).map(([k, v]) => `export ${k}=${shellQuote(v)}`);
  writeFileSync(ENV_FILE, `${lines.join('\n')}\n`);
}

/** Why SeaweedFS is absent when `services:up --without-seaweedfs` (the demo, which needs no second S3) left it out. */
const NOT_REQUESTED = 'not started (services:up --without-seaweedfs); npm test starts it';

/** SeaweedFS is optional: a failed build or start is a reason its tests skip with, never a failed services:up. */
async function startSeaweedFsIfBuilt(log: (line: string) => void): Promise<NonNullable<ServicesState['seaweedfs']>> {
  const binary = await buildSeaweedFs(log);
  if (typeof binary !== 'string') return binary;
  try {
    return await startSeaweedFs(binary);
  } catch (error) {
    return { unavailable: `the SeaweedFS S3 gateway did not start: ${error instanceof Error ? error.message : String(error)}` };
  }
}

async function startMongoDb(log: (line: string) => void): Promise<ServicesState['mongodb']> {
  const external = process.env.MONGODB_URI;
  if (external) return { kind: 'external', uri: external };
  if (await findMongod()) {
    const { pid, port, uri } = await startMongod();
    return { kind: 'mongod', uri, daemon: { pid, port } };
  }
  const { pid, port, uri } = await startFerretDb(await buildFerretDb(log));
  return { kind: 'ferretdb', uri, daemon: { pid, port } };
}

export async function servicesDown(): Promise<void> {
  const state = readState();
  if (state) {
    const seaweedfs = state.seaweedfs && 'pid' in state.seaweedfs ? state.seaweedfs.pid : undefined;
    const pids = [state.mongodb.daemon?.pid, state.moto.pid, seaweedfs].filter((p): p is number => p !== undefined);
    for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 10_000;
    while (pids.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  rmSync(STATE_FILE, { force: true });
  rmSync(ENV_FILE, { force: true });
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
