import { COMMANDS, OPTIONS, type OptionSpec } from './options.js';

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
    'Exit codes: 0 ok, 1 failed, 2 usage or configuration error, 3 verify found a problem, 130 interrupted.',
    '`--json` prints one JSON result object on stdout and nothing else; progress goes to stderr only when it is a terminal.',
    '',
  ];
  for (const [name, spec] of Object.entries(COMMANDS)) {
    lines.push(`## mongosafe ${name}${spec.usage ? ` ${spec.usage}` : ''}`, '', `${spec.summary[0]?.toUpperCase() ?? ''}${spec.summary.slice(1)}.`, '');
    lines.push('| option | environment | default | meaning |', '|---|---|---|---|');
    for (const optionName of spec.options) {
      const option: OptionSpec = OPTIONS[optionName];
      const flag = `\`--${optionName}${option.value ? ` ${option.value}` : ''}\``;
      const choices = option.choices ? ` (${option.choices.join(', ')})` : '';
      lines.push(`| ${flag} | ${option.env ? `\`${option.env}\`` : ''} | ${option.default !== undefined ? `\`${String(option.default)}\`` : ''} | ${option.help}${choices} |`);
    }
    lines.push('');
  }
  return `${lines.join('\n')}`;
}
