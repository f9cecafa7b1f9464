// Required, not imported: the package's typings pull the browser's DOM library into the whole
// project's type check (`/// <reference lib="dom" />`), which changes Node's fetch and Blob types.
const { parse } = require('@cdktf/hcl2json') as {
  parse(filename: string, contents: string): Promise<Record<string, unknown>>;
};
export { parse };
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Terraform configuration as @cdktf/hcl2json gives it: blocks become arrays of objects,
 * literals stay JSON values and every expression is a string wrapped in "${…}". Enough to read
 * the configuration and, for the simple expressions the policy tests care about, evaluate it.
 */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Block {
  type: string;
  name: string;
  file: string;
  body: JsonObject;
}

export interface Terraform {
  /** File name → its source text. */
  sources: Record<string, string>;
  resources: Block[];
  data: Block[];
  variables: Record<string, JsonObject>;
  locals: JsonObject;
  outputs: Record<string, JsonObject>;
  /** Every `terraform { … }` block. */
  settings: JsonObject[];
}

export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asObject(value: Json | undefined, what: string): JsonObject {
  if (!isObject(value)) throw new Error(`${what}: expected an object, got ${JSON.stringify(value)}`);
  return value;
}

function labelled(section: Json | undefined, file: string): Block[] {
  const blocks: Block[] = [];
  for (const [type, byName] of Object.entries(asObject(section ?? {}, file))) {
    for (const [name, bodies] of Object.entries(asObject(byName, `${file} ${type}`))) {
      for (const body of Array.isArray(bodies) ? bodies : [bodies]) {
        blocks.push({ type, name, file, body: asObject(body, `${file} ${type}.${name}`) });
      }
    }
  }
  return blocks;
}

/** Parses every .tf file of `dir`; a file HCL cannot parse rejects with its name and position. */
export async function loadTerraform(dir: string): Promise<Terraform> {
  const tf: Terraform = { sources: {}, resources: [], data: [], variables: {}, locals: {}, outputs: {}, settings: [] };
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.tf'))
    .sort();
  for (const file of files) {
    const source = readFileSync(join(dir, file), 'utf8');
    tf.sources[file] = source;
    const parsed = asObject((await parse(file, source)) as Json, file);
    tf.resources.push(...labelled(parsed.resource, file));
    tf.data.push(...labelled(parsed.data, file));
    for (const [name, bodies] of Object.entries(asObject(parsed.variable ?? {}, file))) {
      tf.variables[name] = asObject(Array.isArray(bodies) ? bodies[0] : bodies, `variable ${name}`);
    }
    for (const [name, bodies] of Object.entries(asObject(parsed.output ?? {}, file))) {
      tf.outputs[name] = asObject(Array.isArray(bodies) ? bodies[0] : bodies, `output ${name}`);
    }
    for (const locals of Array.isArray(parsed.locals) ? parsed.locals : []) {
      Object.assign(tf.locals, asObject(locals, `${file} locals`));
    }
    for (const settings of Array.isArray(parsed.terraform) ? parsed.terraform : []) {
      tf.settings.push(asObject(settings, `${file} terraform`));
    }
  }
  return tf;
}

export function resourcesOf(tf: Terraform, type: string): Block[] {
  return tf.resources.filter((block) => block.type === type);
}

export function resource(tf: Terraform, type: string, name: string): JsonObject {
  const found = tf.resources.find((block) => block.type === type && block.name === name);
  if (!found) throw new Error(`no resource ${type}.${name}`);
  return found.body;
}

/** The nested blocks called `key` (hcl2json keeps each block type as an array). */
export function blocks(body: JsonObject, key: string): JsonObject[] {
  const value = body[key];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((item, i) => asObject(item, `${key}[${i}]`));
}

/** The single nested block `key`. */
export function block(body: JsonObject, key: string): JsonObject {
  const found = blocks(body, key);
  if (found.length !== 1) throw new Error(`expected one ${key} block, found ${found.length}`);
  return found[0]!;
}

/** The expression inside "${…}" when the whole value is one expression, else undefined. */
export function expressionOf(value: Json | undefined): string | undefined {
  if (typeof value !== 'string' || !value.startsWith('${') || !value.endsWith('}')) return undefined;
  let depth = 1;
  for (let i = 2; i < value.length; i++) {
    if (value[i] === '{') depth++;
    else if (value[i] === '}' && --depth === 0) return i === value.length - 1 ? value.slice(2, -1).trim() : undefined;
  }
  return undefined;
}

/** Collapses whitespace, so that expressions compare regardless of layout. */
export function squash(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The string elements of a literal list, or of `toset([...])` written out in HCL. */
export function stringSet(value: Json | undefined): string[] {
  if (Array.isArray(value)) return value.map((item) => String(item));
  const expression = expressionOf(value);
  const match = expression === undefined ? null : /^toset\(\[([\s\S]*)\]\)$/.exec(expression);
  if (!match) throw new Error(`expected a list or toset([...]), got ${JSON.stringify(value)}`);
  return [...match[1]!.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
}

export interface ResolveContext {
  tf: Terraform;
  /** Values for variables, over their defaults (required variables have none). */
  inputs: Record<string, Json>;
}

/** The value of `var.name`: the input if given, else the default (undefined when neither). */
export function variableValue(ctx: ResolveContext, name: string): Json | undefined {
  if (name in ctx.inputs) return ctx.inputs[name];
  const variable = ctx.tf.variables[name];
  if (!variable) throw new Error(`no variable ${name}`);
  return variable.default;
}

const REFERENCE = /^(var|local)\.([A-Za-z0-9_]+)$|^([a-z0-9_]+)\.([a-z0-9_]+)(?:\[[^\]]+\])?\.([a-z0-9_]+)$/;

/**
 * Evaluates the few expression shapes the settings under test use: `var.x`, `local.x`,
 * `tostring`, `upper`, `lower` and `coalesce` of those, attribute references to resources,
 * string, number, null and boolean literals, `a == b`, `a != b`, `cond ? a : b`, and string templates
 * of these.
 * A resource attribute resolves to the resource's own literal argument when it has one
 * (bucket names), else to a computed stand-in (connection names). Anything else throws, so a
 * new kind of expression fails the test instead of passing unchecked.
 */
export function resolve(ctx: ResolveContext, value: Json | undefined): Json | undefined {
  if (typeof value !== 'string') {
    if (Array.isArray(value)) return value.map((item) => resolve(ctx, item) ?? null);
    if (isObject(value)) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolve(ctx, item) ?? null]));
    }
    return value;
  }
  const whole = expressionOf(value);
  if (whole !== undefined) return resolveExpression(ctx, whole);
  if (!value.includes('${')) return value;
  return value.replace(/\$\{([^}]*)\}/g, (_, inner: string) => String(resolveExpression(ctx, inner.trim())));
}

/** Each index in `text` of `char` outside brackets and strings. */
function topLevel(text: string, char: string): number[] {
  const found: number[] = [];
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' && text[i - 1] !== '\\') quoted = !quoted;
    if (quoted) continue;
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (c === char && depth === 0) found.push(i);
  }
  return found;
}

/** `condition ? then : otherwise`, split at its own ? and :, or undefined for any other expression. */
export function conditional(expression: string): { condition: string; then: string; otherwise: string } | undefined {
  const questions = topLevel(expression, '?');
  const [question] = questions;
  if (question === undefined) return undefined;
  // The first : after the ? that no nested conditional claims.
  const marks = [...questions, ...topLevel(expression, ':')].filter((i) => i > question).sort((a, b) => a - b);
  let nested = 0;
  for (const i of marks) {
    if (expression[i] === '?') nested++;
    else if (nested > 0) nested--;
    else {
      return {
        condition: expression.slice(0, question).trim(),
        then: expression.slice(question + 1, i).trim(),
        otherwise: expression.slice(i + 1).trim(),
      };
    }
  }
  throw new Error(`a ? without its : in ${expression}`);
}

/**
 * The branch a whole-value conditional takes with the given inputs, still unevaluated (`${…}`),
 * so that for_each sets written as `cond ? toset([…]) : toset([…])` can be read per setting.
 * Any other value is returned as it is.
 */
export function selectBranch(ctx: ResolveContext, value: Json | undefined): Json | undefined {
  const whole = expressionOf(value);
  const parts = whole === undefined ? undefined : conditional(whole);
  if (!parts) return value;
  return `\${${resolveExpression(ctx, parts.condition) === true ? parts.then : parts.otherwise}}`;
}

/** Splits a function call's arguments at the commas outside brackets and strings. */
function splitArguments(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === '"' && text[i - 1] !== '\\') quoted = !quoted;
    if (quoted) continue;
    if ('([{'.includes(char)) depth++;
    else if (')]}'.includes(char)) depth--;
    else if (char === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts.filter((part) => part !== '');
}

const FUNCTIONS: Record<string, (args: Array<Json | undefined>) => Json | undefined> = {
  tostring: ([arg]) => (arg === null || arg === undefined ? arg : String(arg)),
  upper: ([arg]) => String(arg).toUpperCase(),
  lower: ([arg]) => String(arg).toLowerCase(),
  coalesce: (args) => args.find((arg) => arg !== null && arg !== undefined && arg !== ''),
};

function resolveExpression(ctx: ResolveContext, expression: string): Json | undefined {
  const parts = conditional(expression);
  if (parts) {
    const condition = resolveExpression(ctx, parts.condition);
    if (typeof condition !== 'boolean') throw new Error(`not a boolean condition: ${parts.condition}`);
    return resolveExpression(ctx, condition ? parts.then : parts.otherwise);
  }
  for (const operator of ['==', '!=']) {
    const at = topLevel(expression, operator[0]!).find((i) => expression[i + 1] === '=');
    if (at !== undefined) {
      const equal =
        JSON.stringify(resolveExpression(ctx, expression.slice(0, at).trim())) ===
        JSON.stringify(resolveExpression(ctx, expression.slice(at + 2).trim()));
      return operator === '==' ? equal : !equal;
    }
  }
  if (/^"[^"\\$]*"$/.test(expression)) return expression.slice(1, -1);
  if (/^-?\d+(\.\d+)?$/.test(expression)) return Number(expression);
  if (expression === 'null') return null;
  if (expression === 'true' || expression === 'false') return expression === 'true';
  const call = /^([a-z]+)\(([\s\S]*)\)$/.exec(expression);
  if (call && call[1]! in FUNCTIONS) {
    return FUNCTIONS[call[1]!]!(splitArguments(call[2]!).map((arg) => resolveExpression(ctx, arg)));
  }
  const match = REFERENCE.exec(expression);
  if (!match) throw new Error(`cannot evaluate the expression ${expression}`);
  if (match[1] === 'var') return resolve(ctx, variableValue(ctx, match[2]!));
  if (match[1] === 'local') {
    if (!(match[2]! in ctx.tf.locals)) throw new Error(`no local ${match[2]}`);
    return resolve(ctx, ctx.tf.locals[match[2]!]);
  }
  const [type, name, attribute] = [match[3]!, match[4]!, match[5]!];
  const body = resource(ctx.tf, type, name);
  if (attribute in body && typeof body[attribute] !== 'object') return resolve(ctx, body[attribute]);
  if (type === 'google_cloud_run_v2_service' && attribute === 'uri') {
    return `https://${String(resolve(ctx, body.name))}-stand1n-ew.a.run.app`;
  }
  if (type === 'google_sql_database_instance' && attribute === 'connection_name') {
    return `${String(variableValue(ctx, 'project_id'))}:${String(resolve(ctx, body.region))}:${String(resolve(ctx, body.name))}`;
  }
  throw new Error(`cannot evaluate ${type}.${name}.${attribute}`);
}

/** Every string literal (not expression) in a parsed value, with its path. */
export function literalStrings(value: Json | undefined, path = ''): Array<{ path: string; text: string }> {
  if (typeof value === 'string') return value.includes('${') ? [] : [{ path, text: value }];
  if (Array.isArray(value)) return value.flatMap((item, i) => literalStrings(item, `${path}[${i}]`));
  if (isObject(value)) return Object.entries(value).flatMap(([key, item]) => literalStrings(item, `${path}.${key}`));
  return [];
}
