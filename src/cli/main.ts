import { debugRequested, describeProvenance, isCommand, jsonRequested, resolveArgs } from '../config/resolve.js';
import type { CommandName } from '../config/options.js';
import { MongosafeError, isMongosafeError } from '../errors.js';
import type { CommandContext } from './context.js';
import { EXIT_CODE, EXIT_FAILED } from './exit-codes.js';
import { commandHelp, mainHelp } from './help.js';

/**
 * Each command's module loads on demand: `--help` or `list` need neither the
 * MongoDB driver nor the AWS SDK, and start in a fraction of the time.
 */
const HANDLERS: Record<CommandName, () => Promise<(ctx: CommandContext) => Promise<number>>> = {
  backup: async () => (await import('./commands/backup.js')).runBackup,
  list: async () => (await import('./commands/list.js')).runList,
  inspect: async () => (await import('./commands/inspect.js')).runInspect,
  restore: async () => (await import('./commands/restore.js')).runRestore,
  verify: async () => (await import('./commands/verify.js')).runVerify,
  export: async () => (await import('./commands/export.js')).runExport,
  prune: async () => (await import('./commands/prune.js')).runPrune,
  status: async () => (await import('./commands/status.js')).runStatus,
  job: async () => (await import('./commands/job.js')).runJobCommand,
  'import-legacy': async () => (await import('./commands/import-legacy.js')).runImportLegacy,
};

/** Where main writes its help, --debug settings and error lines. */
export interface Terminal {
  stdout: Pick<NodeJS.WritableStream, 'write'>;
  stderr: Pick<NodeJS.WritableStream, 'write'>;
}

/** Runs one command line and returns its exit code. Never throws. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, terminal: Terminal = process): Promise<number> {
  const { stdout, stderr } = terminal;
  const [command, ...rest] = argv;
  // Until the arguments resolve (and if they never do), a lenient reading of the same row.
  let debug = debugRequested(rest, env);
  let json = jsonRequested(rest);
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    stdout.write(`${mainHelp()}\n`);
    return command === undefined ? EXIT_CODE.USAGE : 0;
  }
  if (command === '--version') {
    const { TOOL_VERSION } = await import('../core/version.js');
    stdout.write(`mongosafe ${TOOL_VERSION}\n`);
    return 0;
  }
  const controller = new AbortController();
  const stopOnSignal = interruptHandler(controller);
  try {
    if (!isCommand(command)) {
      throw new MongosafeError('USAGE', `unknown command "${command}"`, "run 'mongosafe --help' for the commands");
    }
    const args = resolveArgs(command, rest, env);
    if (args.values.help === true) {
      stdout.write(`${commandHelp(command)}\n`);
      return 0;
    }
    debug = args.values.debug === true;
    json = args.values.json === true;
    if (debug) for (const line of describeProvenance(args)) stderr.write(`mongosafe: setting ${line}\n`);
    const handler = await HANDLERS[command]();
    // Loaded with the command, not before: it brings the storage registry and the progress
    // display, which --version, --help and a usage error do without.
    const { createContext } = await import('./context.js');
    return await handler(createContext(args, controller.signal));
  } catch (error) {
    return reportError(controller.signal.aborted ? interrupted(error) : error, { debug, json }, terminal);
  } finally {
    stopOnSignal();
  }
}

/**
 * First Ctrl-C aborts cleanly (no manifest, exit 130); a second one exits at once. SIGTERM is how
 * a container platform stops a task (ECS StopTask, a Kubernetes deadline or eviction): the same.
 */
function interruptHandler(controller: AbortController): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(EXIT_CODE.ABORTED);
    const byUser = signal === 'SIGINT';
    process.stderr.write(`\nmongosafe: ${byUser ? 'interrupted, stopping cleanly (press Ctrl-C again to quit at once)' : `${signal} received, stopping cleanly`}\n`);
    controller.abort(new MongosafeError('ABORTED', byUser ? 'interrupted by the user' : `stopped by ${signal}`, undefined, { details: { kind: 'aborted' } }));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

function interrupted(error: unknown): MongosafeError {
  if (isMongosafeError(error, 'ABORTED')) return error;
  return new MongosafeError('ABORTED', 'interrupted: nothing was committed (no manifest was written)', undefined, { cause: error, details: { kind: 'aborted' } });
}

/**
 * One line for our errors (plus the hint); a stack trace only for bugs or with --debug. With
 * --json, stdout also gets the error as the one JSON object, `{code, message, hint, details}`,
 * so scripts read the failure as they read results.
 */
function reportError(error: unknown, mode: { debug: boolean; json: boolean }, { stdout, stderr }: Terminal): number {
  const { debug } = mode;
  if (mode.json) {
    const json = isMongosafeError(error) ? error.toJSON() : { code: 'INTERNAL', message: `internal error: ${error instanceof Error ? error.message : String(error)}`, details: {} };
    stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  }
  if (isMongosafeError(error)) {
    stderr.write(`mongosafe: ${error.message}\n`);
    if (error.hint) stderr.write(`  hint: ${error.hint}\n`);
    if (debug) {
      let cause: unknown = error.cause;
      while (cause) {
        stderr.write(`  cause: ${cause instanceof Error ? (cause.stack ?? cause.message) : JSON.stringify(cause)}\n`);
        cause = cause instanceof Error ? cause.cause : undefined;
      }
    }
    return EXIT_CODE[error.code];
  }
  stderr.write(`mongosafe: internal error (a bug; please report it with this trace):\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return EXIT_FAILED;
}
