// npm run services:status — exit 0 when the services are up and answering.
import { runningServices } from './services/services.js';

const state = await runningServices();
if (state) {
  const seaweedfs = state.seaweedfs && 'endpoint' in state.seaweedfs ? `, SeaweedFS ${state.seaweedfs.endpoint}` : '';
  console.log(`up: MongoDB (${state.mongodb.kind}) ${state.mongodb.uri}, moto ${state.moto.url}${seaweedfs}`);
} else {
  console.log('down (npm run services:up starts them)');
  process.exitCode = 1;
}
