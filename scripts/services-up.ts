// npm run services:up — builds (first time) and starts the test services on
// 127.0.0.1, then prints where they are. Idempotent.
import { servicesUp } from './services/services.js';
import { ENV_FILE } from './services/paths.js';

const started = Date.now();
try {
  // The demo backs up to a folder: it need not wait minutes for the first SeaweedFS build.
  const { state, started: fresh } = await servicesUp((line) => console.error(line), { seaweedfs: !process.argv.includes('--without-seaweedfs') });
  console.log(`${fresh ? 'started' : 'already running'} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  console.log(`  MongoDB (${state.mongodb.kind}): ${state.mongodb.uri}`);
  console.log(`  moto (S3, Secrets Manager, CloudWatch, SNS): ${state.moto.url}`);
  console.log('mongodump' in state.mongoTools ? `  mongodump: ${state.mongoTools.mongodump}` : `  mongodump: unavailable — ${state.mongoTools.unavailable}`);
  const node22 = state.node22 ?? { unavailable: 'not looked for' };
  console.log('path' in node22 ? `  node 22 (Lambda runtime): ${node22.path}` : `  node 22 (Lambda runtime): unavailable — ${node22.unavailable}`);
  const seaweedfs = state.seaweedfs ?? { unavailable: 'not started' };
  console.log('endpoint' in seaweedfs ? `  SeaweedFS (second S3): ${seaweedfs.endpoint}` : `  SeaweedFS (second S3): unavailable — ${seaweedfs.unavailable}`);
  console.log(`  env: source ${ENV_FILE}`);
} catch (error) {
  console.error(`services:up failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
