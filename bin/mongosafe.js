#!/usr/bin/env node
import { existsSync } from 'node:fs';
import module from 'node:module';
import { URL, fileURLToPath } from 'node:url';

// On Node 20 the AWS SDK warns that its *future* versions will need Node 22: news for us, who
// pin the SDK, not for someone running a command. Set here, before any of the CLI loads, so no
// module evaluated on the way can build a client first; and anything but 'false' (the documented
// way to see it again) counts as "hide": the SDK itself only honours the exact string 'true', so
// an inherited empty value would otherwise let the notice through.
if (process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED !== 'false') {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
}

// Compiling the driver and our own modules is a good part of a command's start-up (issue 21). From
// Node 22.1, V8 keeps the compiled code in a cache folder and the next run skips the work:
// NODE_COMPILE_CACHE when set, else node-compile-cache in the temporary folder. Entries are keyed
// by the Node version and each file's content, so an upgrade never runs stale code. Node 20 lacks
// the function; where the folder cannot be written, or NODE_DISABLE_COMPILE_CACHE is set, it
// returns a status instead of throwing, and the command runs as it would without.
module.enableCompileCache?.();

// The CLI as `npm run build` bundles it (scripts/build-cli.ts): loading the driver and the AWS SDK
// file by file was most of a small command's start-up. A checkout that was never built, or only by
// tsc, has no bundle: say what to run rather than fall back to dist/cli/, which would hide a broken
// build behind a slower CLI that may also be older than the source.
const bundle = new URL('../dist/cli-bundle/main.js', import.meta.url);
let main;
try {
  ({ main } = await import(bundle.href));
} catch (error) {
  if (existsSync(bundle)) throw error;
  process.stderr.write(`mongosafe: the CLI is not built (${fileURLToPath(bundle)} is missing)\n  hint: run 'npm run build' in ${fileURLToPath(new URL('..', import.meta.url))}\n`);
}

process.exitCode = main ? await main(process.argv.slice(2)) : 1;
// Stopped (Ctrl-C, or SIGTERM from a container platform) and reported: a driver socket still in
// its handshake would hold the process for up to 30 s more, past a platform's grace period.
if (process.exitCode === 130) process.exit();
