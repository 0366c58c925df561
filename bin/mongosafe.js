#!/usr/bin/env node
import module from 'node:module';

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

const { main } = await import('../dist/cli/main.js');

process.exitCode = await main(process.argv.slice(2));
