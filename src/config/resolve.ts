import { parseArgs } from 'node:util';
import { MongosafeError } from '../errors.js';
import { COMMANDS, OPTIONS, type CliOptionName, type CommandName, type LambdaOptionName, type OptionName, type OptionSpec } from './options.js';
import { parseBoolean, parseValue, type OptionValue } from './values.js';

export type { OptionValue } from './values.js';

export interface ResolvedArgs {
  command: CommandName;
  positionals: string[];
  values: Partial<Record<OptionName, OptionValue>>;
  /** Where each value came from, for --debug: "flag", "env MONGOSAFE_PARALLEL" or "default". */
  provenance: Partial<Record<OptionName, string>>;
}

export function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

/**
 * Parses one command's arguments strictly (an unknown flag is a USAGE error)
 * and fills gaps from the environment, then defaults. With -h or --help
 * nothing else is checked: asking for help always gets it.
 */
export function resolveArgs(command: CommandName, argv: readonly string[], env: NodeJS.ProcessEnv): ResolvedArgs {
  const spec = COMMANDS[command];
  const allowed: readonly CliOptionName[] = spec.options;
  const parseOptions: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const name of allowed) {
    const option: OptionSpec = OPTIONS[name];
    parseOptions[name] = {
      ...(option.type === 'boolean' ? { type: 'boolean' } : { type: 'string', multiple: option.type === 'list' }),
      ...(option.short ? { short: option.short } : {}),
    };
  }
  const { args, booleans } = takeBooleanValues(argv, new Set(allowed.filter((name) => OPTIONS[name].type === 'boolean')));
  let parsed;
  try {
    parsed = parseArgs({ args, options: parseOptions, allowPositionals: true, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/\. To specify a positional.*$/s, '') : String(error);
    throw new MongosafeError('USAGE', `${command}: ${message}`, `run 'mongosafe ${command} --help' for its options`, { cause: error });
  }
  const flags = { ...(parsed.values as Record<string, string | boolean | string[] | undefined>), ...booleans };
  const { positionals } = parsed;
  if (flags.help === true) return { command, positionals, values: { help: true }, provenance: { help: 'flag' } };
  if (positionals.length < spec.positionals.min || positionals.length > spec.positionals.max) {
    const expected = spec.positionals.max === 0 ? 'no arguments' : spec.usage;
    throw new MongosafeError('USAGE', `${command} takes ${expected}, got ${positionals.length ? positionals.map((p) => `"${p}"`).join(' ') : 'none'}`, `usage: mongosafe ${command} ${spec.usage}`.trim());
  }

  const values: ResolvedArgs['values'] = {};
  const provenance: ResolvedArgs['provenance'] = {};
  for (const name of allowed) {
    const option: OptionSpec = OPTIONS[name];
    const fromFlag = flags[name];
    const fromEnv = option.env ? env[option.env]?.trim() : undefined;
    if (fromFlag !== undefined) {
      values[name] = parseValue(option, fromFlag, `--${name}`, 'USAGE');
      provenance[name] = 'flag';
    } else if (option.env && fromEnv) {
      values[name] = parseValue(option, fromEnv, option.env, 'USAGE');
      provenance[name] = `env ${option.env}`;
    } else if (option.default !== undefined) {
      values[name] = parseValue(option, String(option.default), `the default of --${name}`, 'INTERNAL');
      provenance[name] = 'default';
    }
  }
  return { command, positionals, values, provenance };
}

/**
 * `--debug=no`, `--dry-run=yes`: parseArgs refuses a value on a boolean flag,
 * so these are taken out first and read by the same parser as the environment.
 * A flag given this way still beats its environment variable.
 */
function takeBooleanValues(argv: readonly string[], booleans: ReadonlySet<string>): { args: string[]; booleans: Record<string, boolean> } {
  const args: string[] = [];
  const values: Record<string, boolean> = {};
  for (const [index, arg] of argv.entries()) {
    if (arg === '--') {
      args.push(...argv.slice(index));
      break;
    }
    const match = /^--([^=]+)=(.*)$/s.exec(arg);
    const name = match?.[1];
    if (match && name !== undefined && booleans.has(name)) {
      const value = parseValue({ type: 'boolean' }, match[2] ?? '', `--${name}`, 'USAGE');
      values[name] = value === true;
    } else {
      args.push(arg);
    }
  }
  return { args, booleans: values };
}

/**
 * Whether --debug (or MONGOSAFE_DEBUG) asks for causes, read leniently for
 * when resolveArgs itself failed: a usage error elsewhere on the line must
 * still show its causes. Same table row and parser; a bad value counts as no.
 */
export function debugRequested(argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  return outputFlagRequested('debug', argv) ?? parseBoolean(env[OPTIONS.debug.env] ?? '') === true;
}

/** Whether --json asks for the error as JSON, read as leniently as `debugRequested`. */
export function jsonRequested(argv: readonly string[]): boolean {
  return outputFlagRequested('json', argv) ?? false;
}

/** The last --name or --name=value before any "--"; undefined when the line has none. */
function outputFlagRequested(name: 'debug' | 'json', argv: readonly string[]): boolean | undefined {
  const end = argv.includes('--') ? argv.indexOf('--') : argv.length;
  for (const arg of argv.slice(0, end).reverse()) {
    if (arg === `--${name}`) return true;
    if (arg.startsWith(`--${name}=`)) return parseBoolean(arg.slice(`--${name}=`.length)) === true;
  }
  return undefined;
}

/** "parallel=8 (env MONGOSAFE_PARALLEL)" lines for --debug; secrets shown as <redacted>. */
export function describeProvenance(args: ResolvedArgs): string[] {
  return Object.entries(args.values).map(([name, value]) => {
    const option: OptionSpec = OPTIONS[name as OptionName];
    const shown = option.secret ? '<redacted>' : JSON.stringify(value);
    return `${name}=${shown} (${args.provenance[name as OptionName] ?? 'flag'})`;
  });
}

/** The type a table row's value parses to: a number for int, 'gzip' | 'zstd' | 'none' for those choices. */
export type ValueOf<S> = S extends { type: 'int' | 'duration' }
  ? number
  : S extends { type: 'boolean' }
    ? boolean
    : S extends { type: 'list' }
      ? string[]
      : S extends { choices: readonly (infer C)[] }
        ? C
        : string;

/**
 * One setting from the Lambda's environment (the table's Lambda column): the
 * same parsers as the CLI, CONFIG errors naming the variable; the option's
 * default when unset (blank counts as unset), and CONFIG when a required one is.
 */
export function lambdaSetting<K extends LambdaOptionName>(name: K, env: NodeJS.ProcessEnv): LambdaValueOf<(typeof OPTIONS)[K]> {
  const option: OptionSpec = OPTIONS[name];
  const variable = option.lambda?.env ?? name;
  const text = env[variable]?.trim();
  let value: OptionValue | undefined;
  if (text) value = parseValue(option, text, variable, 'CONFIG');
  else if (option.lambda?.required) throw new MongosafeError('CONFIG', `${variable} is not set`, `set it: ${option.lambda.help ?? option.help}`);
  else if (option.default !== undefined) value = parseValue(option, String(option.default), `the default of ${variable}`, 'INTERNAL');
  // parseValue checked the type and the choices of this very row.
  return value as LambdaValueOf<(typeof OPTIONS)[K]>;
}

/** Never undefined for a row that is required or has a default. */
type LambdaValueOf<S> = S extends { default: unknown } | { lambda: { required: true } } ? ValueOf<S> : ValueOf<S> | undefined;
