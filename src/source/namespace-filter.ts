import { MongosafeError } from '../errors.js';

/**
 * mongorestore's namespace patterns: `*` matches any run of characters,
 * including dots and nothing; `\*` is a literal star, `\\` a backslash.
 */
export function compilePattern(pattern: string): RegExp {
  if (pattern.includes('$')) {
    // mongorestore refuses `$` in patterns; so do we, with its reason.
    throw new MongosafeError('USAGE', `namespace pattern "${pattern}" contains "$"`, 'patterns are db.collection with * wildcards');
  }
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] ?? '';
    if (char === '\\' && i + 1 < pattern.length) {
      source += escapeRegExp(pattern[++i] ?? '');
    } else if (char === '*') {
      source += '(.*?)';
    } else {
      source += escapeRegExp(char);
    }
  }
  return new RegExp(`^${source}$`, 's');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

export interface NamespaceFilterOptions {
  include?: readonly string[];
  exclude?: readonly string[];
}

/** A predicate on "db.collection": included by any include (default all), excluded by any exclude. */
export function namespaceFilter(options: NamespaceFilterOptions): (namespace: string) => boolean {
  const include = (options.include ?? []).map(compilePattern);
  const exclude = (options.exclude ?? []).map(compilePattern);
  return (namespace) =>
    (include.length === 0 || include.some((re) => re.test(namespace))) && !exclude.some((re) => re.test(namespace));
}

export interface RenameRule {
  from: string;
  to: string;
}

/**
 * mongorestore's --nsFrom/--nsTo: stars in `from` are captured and placed, in
 * order, into the stars of `to`. When several rules match, the last one wins.
 */
export function namespaceRenamer(rules: readonly RenameRule[]): (namespace: string) => string {
  const compiled = rules.map(({ from, to }) => {
    const stars = (pattern: string) => (pattern.replace(/\\./g, '').match(/\*/g) ?? []).length;
    if (stars(from) !== stars(to)) {
      throw new MongosafeError('USAGE', `--ns-from "${from}" and --ns-to "${to}" have different numbers of *`, 'each * in --ns-from needs one in --ns-to');
    }
    return { re: compilePattern(from), to };
  });
  return (namespace) => {
    for (let i = compiled.length - 1; i >= 0; i--) {
      const rule = compiled[i];
      const match = rule ? rule.re.exec(namespace) : null;
      if (rule && match) {
        let index = 1;
        return rule.to.replace(/\\(.)|\*/g, (token: string, escaped?: string) => (escaped !== undefined ? escaped : (match[index++] ?? '')));
      }
    }
    return namespace;
  };
}

/** Splits "db.collection" at the first dot (database names cannot contain dots). */
export function splitNamespace(namespace: string): { db: string; collection: string } {
  const dot = namespace.indexOf('.');
  if (dot <= 0 || dot === namespace.length - 1) {
    throw new MongosafeError('USAGE', `"${namespace}" is not a namespace`, 'namespaces are written db.collection');
  }
  return { db: namespace.slice(0, dot), collection: namespace.slice(dot + 1) };
}
