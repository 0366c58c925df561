import { COMMANDS, OPTIONS, type OptionSpec } from './options.js';
import { expectation } from './values.js';

/**
 * docs/cli.md, rendered from the option table so the reference cannot drift
 * from the parser (scripts/gen-cli-docs.ts writes it; a unit test compares).
 */
export function renderCliDocs(): string {
  const lines = [
    '# mongosafe command reference',
    '',
    '<!-- Generated from src/config/options.ts by `npx tsx scripts/gen-cli-docs.ts`. Do not edit by hand. -->',
    '',
    'Precedence: a flag beats its environment variable, which beats the default.',
    `Booleans, as flags (\`--debug=no\`) or variables (\`MONGOSAFE_DEBUG=yes\`): ${expectation({ type: 'boolean' })}, in any case.`,
    'Every command takes `-h` or `--help`.',
    'Exit codes: 0 ok, 1 failed, 2 usage or configuration error, 3 verify found a problem, 130 interrupted.',
    '`--json` prints one JSON result object on stdout and nothing else; progress goes to stderr only when it is a terminal.',
    '',
  ];
  for (const [name, spec] of Object.entries(COMMANDS)) {
    lines.push(`## mongosafe ${name}${spec.usage ? ` ${spec.usage}` : ''}`, '', `${spec.summary[0]?.toUpperCase() ?? ''}${spec.summary.slice(1)}.`, '');
    lines.push('| option | environment | default | meaning |', '|---|---|---|---|');
    for (const optionName of spec.options) {
      const option: OptionSpec = OPTIONS[optionName];
      const flag = `\`${option.short ? `-${option.short}, ` : ''}--${optionName}${option.value ? ` ${option.value}` : ''}\``;
      lines.push(`| ${flag} | ${option.env ? `\`${option.env}\`` : ''} | ${option.default !== undefined ? `\`${String(option.default)}\`` : ''} | ${option.help}${choices(option)} |`);
    }
    lines.push('');
  }
  lines.push(...lambdaSection());
  return `${lines.join('\n')}`;
}

/** The Lambda's column of the same table: its variable names are the seed's, not MONGOSAFE_*. */
function lambdaSection(): string[] {
  const lines = [
    '## AWS Lambda environment',
    '',
    'The Lambda handler (`src/lambda/`, deployed by `infra/terraform/modules/mongodb-backup`) backs up with the settings below,',
    'read by the same parsers as the flags; a bad value is a configuration error that names the variable. Any `KEEP_*` that is set',
    'makes it prune after each successful backup. The connection string never sits in the environment: `MONGODB_URI` there is refused.',
    '',
    '| variable | flag | default | meaning |',
    '|---|---|---|---|',
  ];
  for (const [name, option] of Object.entries(OPTIONS) as Array<[string, OptionSpec]>) {
    if (!option.lambda) continue;
    const flag = option.lambdaOnly ? 'Lambda only' : `\`--${name}\``;
    const fallback = option.lambda.required ? 'required' : option.default !== undefined ? `\`${String(option.default)}\`` : '';
    lines.push(`| \`${option.lambda.env}\` | ${flag} | ${fallback} | ${option.lambda.help ?? option.help}${choices(option)} |`);
  }
  lines.push('');
  return lines;
}

function choices(option: OptionSpec): string {
  return option.choices ? ` (${option.choices.join(', ')})` : '';
}
