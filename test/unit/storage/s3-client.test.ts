import { describe, expect, it } from 'vitest';
import { s3ClientConfig } from '../../../src/storage/s3/s3-client.js';

describe('S3 client settings', () => {
  it('path style whenever an endpoint is set in the environment (moto, MinIO by IP)', () => {
    expect(s3ClientConfig({}).forcePathStyle).toBe(false);
    expect(s3ClientConfig({ AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' }).forcePathStyle).toBe(true);
    expect(s3ClientConfig({ AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:5000' }).forcePathStyle).toBe(true);
    expect(s3ClientConfig({ AWS_ENDPOINT_URL: 'http://x', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }).forcePathStyle).toBe(false);
  });

  it('the endpoint comes from the environment given, not only from process.env; the S3 one first', () => {
    expect(s3ClientConfig({ AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:8333', AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' }).endpoint).toBe('http://127.0.0.1:8333');
    expect(s3ClientConfig({ AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' }).endpoint).toBe('http://127.0.0.1:5000');
    expect(s3ClientConfig({ AWS_ENDPOINT_URL: 'http://x', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' })).not.toHaveProperty('endpoint');
    expect(s3ClientConfig({})).not.toHaveProperty('endpoint');
  });

  it('MONGOSAFE_S3_PATH_STYLE decides when set', () => {
    expect(s3ClientConfig({ MONGOSAFE_S3_PATH_STYLE: '1' }).forcePathStyle).toBe(true);
    expect(s3ClientConfig({ MONGOSAFE_S3_PATH_STYLE: '0', AWS_ENDPOINT_URL: 'https://s3.example.com' }).forcePathStyle).toBe(false);
  });

  it('SDK retries on, adaptive, and regions followed', () => {
    expect(s3ClientConfig({})).toMatchObject({ retryMode: 'adaptive', maxAttempts: 5, followRegionRedirects: true });
  });
});
