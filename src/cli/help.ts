import { COMMANDS, OPTIONS, type CommandName, type OptionSpec } from '../config/options.js';

export function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, spec]) => `  ${name.padEnd(width)}  ${spec.summary}`);
  return [
    'mongosafe — MongoDB backups you can trust',
    '',
    'usage: mongosafe <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    "run 'mongosafe <command> --help' for a command's options",
    'exit codes: 0 ok, 1 failed, 2 usage error, 3 verify found a problem, 130 interrupted',
  ].join('\n');
}

export function commandHelp(command: CommandName): string {
  const spec = COMMANDS[command];
  const rows = spec.options.map((name) => {
    const option: OptionSpec = OPTIONS[name];
    const left = `${option.short ? `-${option.short}, ` : ''}--${name}${option.value ? ` ${option.value}` : ''}`;
    const extras = [option.env ? `env ${option.env}` : '', option.default !== undefined ? `default ${String(option.default)}` : ''].filter(Boolean).join(', ');
    return [left, `${option.help}${extras ? ` (${extras})` : ''}`] as const;
  });
  const width = Math.max(...rows.map(([left]) => left.length));
  return [
    `usage: mongosafe ${command} ${spec.usage}`.trimEnd(),
    '',
    spec.summary,
    '',
    'options:',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`),
  ].join('\n');
}
