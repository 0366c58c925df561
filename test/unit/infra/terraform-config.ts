// Reads a Terraform folder the way the tests need it: every .tf file parsed by
// @cdktf/hcl2json (HCL → JSON, no provider needed), merged into one view.
// hcl2json keeps expressions as "${...}" strings and turns every block into an
// array of bodies, so `blocks()` and `block()` below do the unwrapping.
import { spawnSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { hasCommand } from '../../../scripts/services/process.js';

export type Hcl = { readonly [key: string]: unknown };

export interface TerraformConfig {
  /** .tf file names. */
  files: string[];
  /** "aws_s3_bucket.backups" → body, and likewise for the other kinds. */
  resources: Map<string, Hcl>;
  data: Map<string, Hcl>;
  variables: Map<string, Hcl>;
  outputs: Map<string, Hcl>;
  modules: Map<string, Hcl>;
  providers: Map<string, Hcl>;
  locals: Hcl;
  terraform: Hcl[];
  /** `moved { from = …, to = … }` blocks, as parsed ("${aws_x.y}" strings). */
  moved: Hcl[];
}

export function isHcl(value: unknown): value is Hcl {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every body of a nested block (`rule`, `statement`, …); [] when there is none. */
export function blocks(body: Hcl, key: string): Hcl[] {
  const value = body[key];
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every(isHcl)) throw new Error(`"${key}" is not a block`);
  return value;
}

/** The body of a block that must appear exactly once. */
export function block(body: Hcl, key: string): Hcl {
  const all = blocks(body, key);
  if (all.length !== 1) throw new Error(`expected one "${key}" block, found ${all.length}`);
  return all[0] as Hcl;
}

/** The bodies of `dynamic "<key>" { content { … } }` blocks. */
export function dynamicContents(body: Hcl, key: string): Hcl[] {
  const dynamic = body.dynamic;
  if (!isHcl(dynamic)) return [];
  return blocks(dynamic, key).map((d) => block(d, 'content'));
}

/** A list attribute, or a single expression that stands for one. */
export function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  throw new Error(`expected a string or a list of strings, got ${JSON.stringify(value)}`);
}

/** Every string anywhere inside a value: attribute values, list items, keys' values. */
export function allStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(allStrings);
  if (isHcl(value)) return Object.values(value).flatMap(allStrings);
  return [];
}

export function get<T>(map: Map<string, T>, key: string): T {
  const value = map.get(key);
  if (value === undefined) throw new Error(`${key} is not declared (have: ${[...map.keys()].join(', ')})`);
  return value;
}

/** Every .tf file below `dir`, recursively, sorted (.terraform/ folders left out). */
export async function listTfFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .map((e) => ({ e, path: join(e.parentPath, e.name) }))
    .filter(({ e, path }) => e.isFile() && e.name.endsWith('.tf') && !path.includes('/.terraform/'))
    .map(({ path }) => path)
    .sort();
}

/** Labelled blocks (`variable "name"`, or with two labels `resource "type" "name"`) into one map. */
function addLabelled(target: Map<string, Hcl>, value: unknown, file: string, twoLabels = false): void {
  if (!isHcl(value)) return;
  const entries = twoLabels
    ? Object.entries(value).flatMap(([type, byName]) => Object.entries(byName as Hcl).map(([name, body]) => [`${type}.${name}`, body] as const))
    : Object.entries(value);
  for (const [label, bodies] of entries) {
    if (target.has(label)) throw new Error(`${label} is declared twice (again in ${file})`);
    if (!Array.isArray(bodies) || bodies.length !== 1 || !isHcl(bodies[0])) throw new Error(`${label} in ${file} has an unexpected shape`);
    target.set(label, bodies[0]);
  }
}

/** Parses the .tf files directly in `dir`: one module, not the modules it calls. */
export async function loadTerraform(dir: string): Promise<TerraformConfig> {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.tf')).sort();
  if (files.length === 0) throw new Error(`no .tf files in ${dir}`);
  const config: TerraformConfig = {
    files,
    resources: new Map(),
    data: new Map(),
    variables: new Map(),
    outputs: new Map(),
    modules: new Map(),
    providers: new Map(),
    locals: {},
    terraform: [],
    moved: [],
  };
  const locals: Record<string, unknown> = {};
  for (const file of files) {
    const parsed: unknown = await parse(file, await readFile(join(dir, file), 'utf8'));
    if (!isHcl(parsed)) throw new Error(`${file} did not parse to an object`);
    addLabelled(config.resources, parsed.resource, file, true);
    addLabelled(config.data, parsed.data, file, true);
    addLabelled(config.variables, parsed.variable, file);
    addLabelled(config.outputs, parsed.output, file);
    addLabelled(config.modules, parsed.module, file);
    addLabelled(config.providers, parsed.provider, file);
    for (const body of blocks(parsed, 'locals')) Object.assign(locals, body);
    config.terraform.push(...blocks(parsed, 'terraform'));
    config.moved.push(...blocks(parsed, 'moved'));
  }
  config.locals = locals;
  return config;
}

/** `terraform`, or OpenTofu's `tofu`, when one is on PATH; null otherwise. */
export async function findTerraformBinary(): Promise<string | null> {
  for (const name of ['terraform', 'tofu']) {
    if (await hasCommand(name)) return name;
  }
  return null;
}

export interface CommandResult {
  status: number | null;
  stdout: string;
  /** stdout and stderr, for messages and assertions on them. */
  output: string;
}

/** Runs the Terraform CLI offline (no checkpoint calls, no prompts, no colours). */
export function runTerraform(binary: string, args: string[], cwd: string): CommandResult {
  const result = spawnSync(binary, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_INPUT: '0' },
  });
  return { status: result.status, stdout: result.stdout, output: `${result.stdout}${result.stderr}` };
}

/**
 * Turns a parsed value back into HCL source: hcl2json gives an expression as
 * "${expr}" (kept whole, since a template that is one interpolation yields the
 * expression's own value) and a template such as "${local.a}data/" as a string.
 */
export function toHclSource(value: string): string {
  if (value.startsWith('${')) {
    let depth = 0;
    for (let i = 1; i < value.length; i++) {
      if (value[i] === '{') depth++;
      else if (value[i] === '}' && --depth === 0) {
        if (i === value.length - 1) return value.slice(2, -1);
        break;
      }
    }
  }
  return JSON.stringify(value);
}
