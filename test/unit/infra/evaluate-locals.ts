// Evaluates some of a module's locals for real, with terraform, offline: the
// locals (and every local they use) are copied into a root module made of the
// module's variables.tf, which needs no provider. What no offline run can know,
// an attribute of a resource or data source, is replaced by a string that names
// it: `aws_cloudwatch_metric_alarm.errors[key].arn` becomes
// "aws_cloudwatch_metric_alarm.errors[backup].arn" (its index evaluated), so a
// test can still see which resource an expression points at.
import { allStrings, isHcl, toHclSource, type TerraformConfig } from './terraform-config.js';

/** An attribute of one resource or data source, with an optional index: `aws_x.y.arn`, `data.aws_x.y[0].id`. */
const ATTRIBUTE_REFERENCE = /(?<![\w.])((?:data\.)?aws_\w+\.\w+)(?:\[([^\]]+)\])?\.(\w+)/g;

/** Replaces every resource or data attribute reference in an HCL expression by a string naming it. */
export function standInReferences(expression: string): string {
  return expression.replace(ATTRIBUTE_REFERENCE, (_, address: string, index: string | undefined, attribute: string) =>
    index === undefined ? `"${address}.${attribute}"` : `"${address}[\${${index}}].${attribute}"`,
  );
}

/** `names` and every local they refer to, directly or not. */
export function localClosure(config: TerraformConfig, names: string[]): string[] {
  const found = new Set<string>();
  const visit = (name: string): void => {
    if (found.has(name)) return;
    if (!(name in config.locals)) throw new Error(`local.${name} is not defined`);
    found.add(name);
    for (const text of allStrings(config.locals[name])) {
      for (const m of text.matchAll(/(?<![\w.])local\.(\w+)/g)) visit(m[1] as string);
    }
  };
  for (const name of names) visit(name);
  return [...found].sort();
}

/** A locals.tf for the variables-only root: the closure of `names`, with stand-ins, and one output per name. */
export function localsSource(config: TerraformConfig, names: string[]): string {
  return [
    'locals {',
    ...localClosure(config, names).map((name) => `  ${name} = ${hclSource(config.locals[name])}`),
    '}',
    ...names.map((name) => `output "${name}" {\n  value = local.${name}\n}`),
  ].join('\n');
}

/**
 * A parsed value back as HCL. hcl2json keeps an expression as one "${…}"
 * string, but turns a literal list or object into JSON, with expressions
 * inside it as strings again.
 */
function hclSource(value: unknown): string {
  if (typeof value === 'string') return standInReferences(toHclSource(value));
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(hclSource).join(', ')}]`;
  if (isHcl(value)) return `{ ${Object.entries(value).map(([key, v]) => `${JSON.stringify(key)} = ${hclSource(v)}`).join(', ')} }`;
  throw new Error(`a local of this shape cannot be copied: ${JSON.stringify(value)}`);
}
