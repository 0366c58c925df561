// npm run services:down — stops what services:up started in this checkout.
import { servicesDown } from './services/services.js';

await servicesDown();
console.log('services stopped');
