#!/usr/bin/env node
// On Node 20 the AWS SDK warns that its *future* versions will need Node 22: news for us, who
// pin the SDK, not for someone running a command. Set here, before any of the CLI loads, so no
// module evaluated on the way can build a client first; and anything but 'false' (the documented
// way to see it again) counts as "hide": the SDK itself only honours the exact string 'true', so
// an inherited empty value would otherwise let the notice through.
if (process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED !== 'false') {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
}
const { main } = await import('../dist/cli/main.js');

process.exitCode = await main(process.argv.slice(2));
