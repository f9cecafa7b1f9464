import { readFileSync } from 'node:fs';

/** The subset of firebase.json's "hosting" section that the local server honours, as Hosting does. */
export interface HostingConfig {
  public: string;
  rewrites: Rewrite[];
  headers: { source: string; headers: { key: string; value: string }[] }[];
}

export type Rewrite =
  { source: string; function: { functionId: string; region?: string } } | { source: string; destination: string };

export function readHostingConfig(file: string): HostingConfig {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { hosting?: Partial<HostingConfig> };
  const hosting = parsed.hosting;
  if (!hosting?.public) throw new Error(`${file}: "hosting.public" is required`);
  return { public: hosting.public, rewrites: hosting.rewrites ?? [], headers: hosting.headers ?? [] };
}

const escape = (text: string): string => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

/** Firebase Hosting's glob: `**` spans segments, `*` stays within one, `@(a|b)` is one of. */
export function globToRegExp(glob: string): RegExp {
  const pattern = glob
    .split(/(\*\*|\*|@\([^)]*\))/)
    .map((part) => {
      if (part === '**') return '.*';
      if (part === '*') return '[^/]*';
      if (part.startsWith('@(')) return `(?:${part.slice(2, -1).split('|').map(escape).join('|')})`;
      return escape(part);
    })
    .join('');
  return new RegExp(`^${pattern}$`);
}

export function findRewrite(config: HostingConfig, path: string): Rewrite | undefined {
  return config.rewrites.find((rewrite) => globToRegExp(rewrite.source).test(path));
}

export function headersFor(config: HostingConfig, path: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const rule of config.headers) {
    if (globToRegExp(rule.source).test(path)) for (const { key, value } of rule.headers) result[key] = value;
  }
  return result;
}
