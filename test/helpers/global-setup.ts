// Starts (or reuses) the real services for integration tests and stops them
// afterwards only if this run started them.
import { run } from '../../scripts/services/process.js';
import { REPO_ROOT } from '../../scripts/services/paths.js';
import { serviceEnv, servicesDown, servicesUp } from '../../scripts/services/services.js';

export default async function setup(): Promise<() => Promise<void>> {
  // CLI tests run the built bin/mongosafe.js, as users do: build it fresh.
  const building = run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT });
  const { state, started } = await servicesUp((line) => console.error(line));
  await building;
  Object.assign(process.env, serviceEnv(state));
  if ('unavailable' in state.mongoTools) {
    console.error(`NOTICE: interop tests with mongodump/mongorestore are skipped: ${state.mongoTools.unavailable}`);
  }
  if (state.node22 && 'unavailable' in state.node22) {
    console.error(`NOTICE: the Lambda bundle test is skipped (it runs on Node 22, Lambda's runtime): ${state.node22.unavailable}`);
  }
  if (!state.seaweedfs || 'unavailable' in state.seaweedfs) {
    console.error(`NOTICE: the storage contract and backup test on SeaweedFS (a second real S3) are skipped: ${state.seaweedfs?.unavailable ?? 'not started'}`);
  }
  return async () => {
    if (started) await servicesDown();
  };
}
