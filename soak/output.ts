import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as prettier from 'prettier';
import type { SoakResult } from './report';

const START = '<!-- load:start -->';
const END = '<!-- load:end -->';

async function formatted(text: string, file: string): Promise<string> {
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(text, { ...options, filepath: file });
}

/** The section as it will read in the file: the same tables, aligned, for the terminal. */
export const formatSection = (section: string, docFile: string): Promise<string> => formatted(section, docFile);

/** Replaces only what lies between the load markers; the hand-written rest of the file is kept. */
export async function writeLoadSection(docFile: string, section: string): Promise<void> {
  const doc = await readFile(docFile, 'utf8');
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${docFile} has no ${START} … ${END} markers to write between`);
  const next = `${doc.slice(0, start + START.length)}\n\n${section}\n\n${doc.slice(end)}`;
  // Formatted as `npm run lint` checks it, so a run never leaves the repository failing the lint.
  await writeFile(docFile, await formatted(next, docFile));
}

export async function writeJson(file: string, result: SoakResult): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, await formatted(JSON.stringify(result), file));
}
