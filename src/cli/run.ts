// The CLI as a program of its own: the container image's one bundled file starts here
// (scripts/build-image.ts). bin/mongosafe.js does the same for the npm package.
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
// As bin/mongosafe.js: once a stop is reported, nothing may hold the process past the grace period.
if (process.exitCode === 130) process.exit();
