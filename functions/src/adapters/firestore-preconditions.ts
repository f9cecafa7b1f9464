/**
 * Firestore writes with a precondition, as decisions: a create succeeds for exactly one
 * caller and a delete that must find its document frees it exactly once, however many race
 * (in Firestore as in its emulator). The gRPC codes of a precondition that did not hold:
 */
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;

async function held(write: Promise<unknown>, failed: number): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if ((error as { code?: unknown }).code === failed) return false;
    throw error;
  }
}

/** True if this create made the document, false if it existed already. */
export const created = (write: Promise<unknown>): Promise<boolean> => held(write, ALREADY_EXISTS);

/** True if this delete (`{ exists: true }`) removed the document, false if it was gone. */
export const removed = (write: Promise<unknown>): Promise<boolean> => held(write, NOT_FOUND);
