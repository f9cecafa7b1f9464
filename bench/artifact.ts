import { buildFunctions } from '../scripts/build';

let built: Promise<string> | undefined;

/** dist/functions, built once per bench run with the project's own buildFunctions(). */
export function artifactDir(): Promise<string> {
  built ??= buildFunctions().then(({ dir }) => dir);
  return built;
}
