// Starts (or reuses) the real services for integration tests and stops them
// afterwards only if this run started them.
import { serviceEnv, servicesDown, servicesUp } from '../../scripts/services/services.js';

export default async function setup(): Promise<() => Promise<void>> {
  const { state, started } = await servicesUp((line) => console.error(line));
  Object.assign(process.env, serviceEnv(state));
  if ('unavailable' in state.mongoTools) {
    console.error(`NOTICE: interop tests with mongodump/mongorestore are skipped: ${state.mongoTools.unavailable}`);
  }
  return async () => {
    if (started) await servicesDown();
  };
}
