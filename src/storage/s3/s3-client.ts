import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

/** Tries of one S3 request, the first included: a request that keeps failing costs this many. */
export const S3_MAX_ATTEMPTS = 5;

/**
 * Client settings from the environment. The SDK itself reads AWS_ENDPOINT_URL_S3
 * and AWS_ENDPOINT_URL (and `endpoint_url` in ~/.aws/config), region and
 * credentials; what it lacks is a switch for path-style addressing, which
 * S3-compatible servers reached by IP or localhost need (virtual-host style
 * would resolve `bucket.127.0.0.1`). So path style is on whenever an endpoint
 * is set in the environment, or when MONGOSAFE_S3_PATH_STYLE=1. The endpoint
 * is passed on too: the SDK reads only process.env, so a client made for
 * another environment (a test's second S3) would otherwise reach the first.
 */
export function s3ClientConfig(env: NodeJS.ProcessEnv = process.env): S3ClientConfig {
  const ignoreEndpoints = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === 'true';
  const endpoint = ignoreEndpoints ? undefined : env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  const pathStyle = env.MONGOSAFE_S3_PATH_STYLE === undefined ? endpoint !== undefined : env.MONGOSAFE_S3_PATH_STYLE === '1';
  return {
    ...(endpoint === undefined ? {} : { endpoint }),
    forcePathStyle: pathStyle,
    // A bucket in another region than the configured one still works.
    followRegionRedirects: true,
    // The request layer of the retry policy (src/storage/retry.ts): the SDK alone
    // retries each request, every multipart part included; adaptive mode also
    // slows the client down on throttling (SlowDown).
    retryMode: 'adaptive',
    maxAttempts: S3_MAX_ATTEMPTS,
    // A dead endpoint fails in seconds. No overall request timeout: a paused
    // download (the restore waiting on MongoDB) must not be cut.
    requestHandler: { connectionTimeout: 10_000 },
  };
}

let shared: { key: string; client: S3Client } | undefined;

/**
 * One client per process (per environment it was made from), reused across
 * storages and warm Lambda invocations; created on first use.
 */
export function sharedS3Client(): S3Client {
  const config = s3ClientConfig();
  const key = JSON.stringify([config.forcePathStyle, process.env.AWS_ENDPOINT_URL_S3, process.env.AWS_ENDPOINT_URL, process.env.AWS_REGION]);
  if (shared?.key !== key) {
    shared?.client.destroy();
    shared = { key, client: new S3Client(config) };
  }
  return shared.client;
}
