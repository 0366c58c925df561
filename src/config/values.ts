import { MongosafeError, type ErrorCode } from '../errors.js';
import { parseDurationMs } from '../util/bytes.js';

/**
 * The value parsers behind every setting, for a flag, a MONGOSAFE_* variable
 * and the Lambda's environment alike: one spelling of "yes" or of a number
 * everywhere, and one way of saying what was expected.
 */
export type OptionType = 'string' | 'int' | 'boolean' | 'list' | 'duration';

export type OptionValue = string | number | boolean | string[];

export interface ValueSpec {
  type: OptionType;
  /** Allowed values for a string option. */
  choices?: readonly string[];
  /** Smallest allowed int; 0 unless said. */
  min?: number;
}

const TRUE_WORDS = ['1', 'true', 'yes', 'on'] as const;
const FALSE_WORDS = ['0', 'false', 'no', 'off'] as const;

/** 1/true/yes/on and 0/false/no/off, any case; undefined for anything else. */
export function parseBoolean(text: string): boolean | undefined {
  const word = text.trim().toLowerCase();
  if ((TRUE_WORDS as readonly string[]).includes(word)) return true;
  if ((FALSE_WORDS as readonly string[]).includes(word)) return false;
  return undefined;
}

/**
 * Turns one raw value into its typed form, or throws `code` (USAGE for the
 * command line, CONFIG for the Lambda) with a message that starts with `where`,
 * the flag or variable the user has to fix.
 */
export function parseValue(spec: ValueSpec, raw: string | boolean | string[], where: string, code: ErrorCode): OptionValue {
  const invalid = (got: string) => new MongosafeError(code, `${where} must be ${expectation(spec)}; got "${got}"`);
  if (typeof raw === 'boolean' || Array.isArray(raw)) {
    if (spec.type === 'list' && Array.isArray(raw)) return raw;
    if (spec.type === 'boolean' && typeof raw === 'boolean') return raw;
    throw invalid(String(raw));
  }
  switch (spec.type) {
    case 'boolean': {
      const value = parseBoolean(raw);
      if (value === undefined) throw invalid(raw);
      return value;
    }
    case 'int': {
      // Digits only: Number() would also take "", "1e3", " 8" and "0x10".
      const value = Number(raw);
      if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < (spec.min ?? 0)) throw invalid(raw);
      return value;
    }
    case 'duration': {
      const value = parseDurationMs(raw);
      if (value === undefined) throw invalid(raw);
      return value;
    }
    case 'list':
      return raw.split(',').map((item) => item.trim()).filter(Boolean);
    case 'string':
      if (spec.choices && !spec.choices.includes(raw)) throw invalid(raw);
      return raw;
  }
}

/** "a whole number ≥ 1", "one of gzip, zstd, none": what a value of this spec looks like. */
export function expectation(spec: ValueSpec): string {
  switch (spec.type) {
    case 'boolean':
      return `one of ${[...TRUE_WORDS, ...FALSE_WORDS].join(', ')}`;
    case 'int':
      return `a whole number ≥ ${spec.min ?? 0}`;
    case 'duration':
      return 'a duration like 30s, 15m, 26h or 7d';
    case 'list':
      return 'a comma-separated list';
    case 'string':
      return spec.choices ? `one of ${spec.choices.join(', ')}` : 'a string';
  }
}
