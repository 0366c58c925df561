import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUN_DIR, SEAWEEDFS_VERSION, cacheDir } from './paths.js';
import { freePort, hasCommand, isAlive, run, startDaemon, waitForPort } from './process.js';

const MODULE = 'github.com/seaweedfs/seaweedfs';
/** Measured at about 4 minutes on 2 cores; past this the machine is too slow or stuck, and the tests skip. */
const BUILD_TIMEOUT_MS = 10 * 60_000;
/** The test credentials every service here accepts (moto takes any; SeaweedFS is told these). */
const KEY = 'testing';

function binaryPath(): string {
  return join(cacheDir(), `seaweedfs-${SEAWEEDFS_VERSION.slice(-12)}`, 'weed');
}

/**
 * `go install MODULE/weed@version` is refused because SeaweedFS's go.mod has a
 * `replace` (go-bip39): a throwaway module of ours requires it and repeats the
 * replace, then builds its `weed` command. About 4 minutes and 3 GB of modules
 * the first time; cached by version after. Any failure is a reason, not an
 * error: the SeaweedFS tests then skip and say why, and the rest runs.
 */
export async function buildSeaweedFs(log: (line: string) => void): Promise<string | { unavailable: string }> {
  const binary = binaryPath();
  if (existsSync(binary)) return binary;
  if (!(await hasCommand('go'))) return { unavailable: 'Go is not installed, so the SeaweedFS S3 gateway could not be built' };
  const work = `${binary}.module-${process.pid}`;
  const partial = `${binary}.partial-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    log(`building the SeaweedFS S3 gateway ${SEAWEEDFS_VERSION} (first time only, about 4 minutes on 2 cores)…`);
    writeFileSync(
      join(work, 'go.mod'),
      [
        'module mongosafe.test/seaweedfs',
        '',
        'go 1.24',
        '',
        `require ${MODULE} ${SEAWEEDFS_VERSION}`,
        '',
        '// Repeated from SeaweedFS go.mod: replace directives apply only in the main module.',
        'replace github.com/tyler-smith/go-bip39 => github.com/cosmos/go-bip39 v1.0.0',
        '',
      ].join('\n'),
    );
    const deadline = Date.now() + BUILD_TIMEOUT_MS;
    await run('go', ['get', `${MODULE}/weed@${SEAWEEDFS_VERSION}`], { cwd: work, timeoutMs: BUILD_TIMEOUT_MS });
    await run('go', ['build', '-o', partial, `${MODULE}/weed`], { cwd: work, timeoutMs: Math.max(1, deadline - Date.now()) });
    renameSync(partial, binary);
    return binary;
  } catch (error) {
    if (existsSync(binary)) return binary; // another checkout finished first
    const message = error instanceof Error ? error.message : String(error);
    const reason = message.split('\n').find((l) => /took more than|error|cannot|not found|denied|no space/i.test(l)) ?? message.split('\n')[0] ?? 'go build failed';
    return { unavailable: `${MODULE}@${SEAWEEDFS_VERSION} could not be built (${reason.trim()})` };
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(partial, { force: true });
  }
}

/** A distinct free loopback port for each name. */
async function freePorts<Name extends string>(names: readonly Name[]): Promise<Record<Name, number>> {
  const taken = new Set<number>();
  const ports = {} as Record<Name, number>;
  for (const name of names) {
    let port = await freePort();
    while (taken.has(port)) port = await freePort();
    taken.add(port);
    ports[name] = port;
  }
  return ports;
}

/**
 * `weed mini`: master, volume server, filer, S3 gateway and admin in one
 * process. Every port is passed (its defaults are fixed numbers that two
 * checkouts would share) and everything binds to 127.0.0.1; WebDAV, the
 * Iceberg and Lance catalogs, the legacy admin port and telemetry are off.
 * The data folder is wiped first: the test objects are disposable and a
 * master's saved state names the previous run's ports.
 */
export async function startSeaweedFs(binary: string): Promise<{ pid: number; port: number; endpoint: string }> {
  const { s3, s3Grpc, master, masterGrpc, volume, volumeGrpc, filer, filerGrpc, admin, adminGrpc } = await freePorts([
    's3', 's3Grpc', 'master', 'masterGrpc', 'volume', 'volumeGrpc', 'filer', 'filerGrpc', 'admin', 'adminGrpc',
  ] as const);
  const dataDir = join(RUN_DIR, 'seaweedfs-data');
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const config = join(RUN_DIR, 'seaweedfs-s3.json');
  const identity = { name: KEY, credentials: [{ accessKey: KEY, secretKey: KEY }], actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'] };
  writeFileSync(config, JSON.stringify({ identities: [identity] }, null, 2));
  const logFile = join(RUN_DIR, 'seaweedfs.log');
  const socket = (what: string) => join(tmpdir(), `mongosafe-seaweedfs-${s3}-${what}.sock`);
  const args = [
    'mini',
    `-dir=${dataDir}`,
    '-ip=127.0.0.1',
    '-ip.bind=127.0.0.1',
    `-s3.port=${s3}`,
    `-s3.port.grpc=${s3Grpc}`,
    '-s3.port.iceberg=0',
    '-s3.port.lance=0',
    `-s3.config=${config}`,
    // Like S3: a write to a missing bucket is NoSuchBucket, not a new bucket.
    '-s3.autoCreateBucket=false',
    `-s3.localSocket=${socket('s3')}`,
    `-master.port=${master}`,
    `-master.port.grpc=${masterGrpc}`,
    '-master.telemetry=false',
    '-master.resumeState=false',
    `-volume.port=${volume}`,
    `-volume.port.grpc=${volumeGrpc}`,
    `-filer.port=${filer}`,
    `-filer.port.grpc=${filerGrpc}`,
    `-filer.localSocket=${socket('filer')}`,
    `-admin.port=${admin}`,
    `-admin.port.grpc=${adminGrpc}`,
    '-admin.port.legacy=0',
    '-admin.ui=false',
    '-webdav=false',
  ];
  const pid = startDaemon(binary, args, logFile);
  await waitForPort(s3, pid, 'SeaweedFS', logFile, 120_000);
  const endpoint = `http://127.0.0.1:${s3}`;
  await waitForS3(endpoint, pid, logFile);
  return { pid, port: s3, endpoint };
}

/** The gateway listens before its filer answers: ready when an authenticated ListBuckets succeeds. */
async function waitForS3(endpoint: string, pid: number, logFile: string): Promise<void> {
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: KEY, secretAccessKey: KEY }, maxAttempts: 1 });
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      try {
        await client.send(new ListBucketsCommand({}));
        return;
      } catch (error) {
        if (!isAlive(pid)) throw new Error(`SeaweedFS exited during start-up; see ${logFile}`);
        if (Date.now() > deadline) throw new Error(`SeaweedFS S3 at ${endpoint} did not answer within 60s (${error instanceof Error ? error.message : String(error)}); see ${logFile}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  } finally {
    client.destroy();
  }
}
