import { imageNotFound } from '../core/errors';
import { isId } from '../core/ids';

/**
 * The id after the function's name: `/api/images/{id}` through Hosting, `/{id}` when the
 * function is called directly. Undefined for the collection itself; anything that is not an id
 * (other shapes, traversal, extra segments) is simply not found.
 */
export function pathId(path: string, functionName: string): string | undefined {
  const rest = path.replace(new RegExp(`^/api/${functionName}(?=/|$)`), '').replace(/\/+$/, '');
  if (rest === '') return undefined;
  const id = rest.slice(1);
  if (!rest.startsWith('/') || !isId(id)) throw imageNotFound();
  return id;
}
