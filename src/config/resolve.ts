import { parseArgs } from 'node:util';
import { MongosafeError } from '../errors.js';
import { parseDurationMs } from '../util/bytes.js';
import { COMMANDS, OPTIONS, type CommandName, type OptionName, type OptionSpec } from './options.js';

export type OptionValue = string | number | boolean | string[];

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
 * and fills gaps from the environment, then defaults.
 */
export function resolveArgs(command: CommandName, argv: readonly string[], env: NodeJS.ProcessEnv): ResolvedArgs {
  const spec = COMMANDS[command];
  const allowed: readonly OptionName[] = spec.options;
  const parseOptions: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const name of allowed) {
    const option: OptionSpec = OPTIONS[name];
    parseOptions[name] = option.type === 'boolean' ? { type: 'boolean' } : { type: 'string', multiple: option.type === 'list' };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: parseOptions, allowPositionals: true, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/\. To specify a positional.*$/s, '') : String(error);
    throw new MongosafeError('USAGE', `${command}: ${message}`, `run 'mongosafe ${command} --help' for its options`);
  }
  const { positionals } = parsed;
  if (parsed.values.help !== true && (positionals.length < spec.positionals.min || positionals.length > spec.positionals.max)) {
    const expected = spec.positionals.max === 0 ? 'no arguments' : spec.usage;
    throw new MongosafeError('USAGE', `${command} takes ${expected}, got ${positionals.length ? positionals.map((p) => `"${p}"`).join(' ') : 'none'}`, `usage: mongosafe ${command} ${spec.usage}`.trim());
  }

  const values: ResolvedArgs['values'] = {};
  const provenance: ResolvedArgs['provenance'] = {};
  for (const name of allowed) {
    const option: OptionSpec = OPTIONS[name];
    const fromFlag = parsed.values[name] as string | boolean | string[] | undefined;
    const fromEnv = option.env ? env[option.env] : undefined;
    let raw: string | number | boolean | string[] | undefined;
    if (fromFlag !== undefined) {
      raw = fromFlag;
      provenance[name] = 'flag';
    } else if (fromEnv !== undefined && fromEnv !== '') {
      raw = option.type === 'boolean' ? /^(1|true|yes)$/i.test(fromEnv) : option.type === 'list' ? fromEnv.split(',').map((s) => s.trim()).filter(Boolean) : fromEnv;
      provenance[name] = `env ${option.env}`;
    } else if (option.default !== undefined) {
      raw = option.default;
      provenance[name] = 'default';
    }
    if (raw === undefined) continue;
    values[name] = convert(name, option, raw, provenance[name] ?? 'flag');
  }
  return { command, positionals, values, provenance };
}

function convert(name: string, option: OptionSpec, raw: string | number | boolean | string[], from: string): OptionValue {
  const where = from === 'flag' ? `--${name}` : from === 'default' ? `default of --${name}` : `${from.slice(4)} (--${name})`;
  if (option.type === 'int') {
    const value = typeof raw === 'number' ? raw : Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new MongosafeError('USAGE', `${where} must be a whole number ≥ 0, got "${String(raw)}"`);
    return value;
  }
  if (option.type === 'duration') {
    const value = parseDurationMs(String(raw));
    if (value === undefined) throw new MongosafeError('USAGE', `${where} must be a duration like 30s, 15m, 26h or 7d, got "${String(raw)}"`);
    return value;
  }
  if (option.choices && typeof raw === 'string' && !option.choices.includes(raw)) {
    throw new MongosafeError('USAGE', `${where} must be one of ${option.choices.join(', ')}, got "${raw}"`);
  }
  return raw;
}

/** "parallel=8 (env MONGOSAFE_PARALLEL)" lines for --debug; secrets shown as <redacted>. */
export function describeProvenance(args: ResolvedArgs): string[] {
  return Object.entries(args.values).map(([name, value]) => {
    const option: OptionSpec = OPTIONS[name as OptionName];
    const shown = option.secret ? '<redacted>' : JSON.stringify(value);
    return `${name}=${shown} (${args.provenance[name as OptionName] ?? 'flag'})`;
  });
}
