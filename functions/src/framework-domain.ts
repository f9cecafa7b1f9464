/**
 * The Functions Framework runs every function inside a `domain` (deprecated since Node 4) to
 * turn an error thrown from a stray callback into a 500. A domain binds every promise created
 * in it (a property per promise, the domain entered and left around every continuation), which
 * cost a third of a gallery request's CPU (bench/results, section 1). Every function here
 * settles through one promise chain that maps all its errors (http/http-function.ts,
 * events/process-upload.ts), so it leaves the domain before doing any work. What would still
 * escape is a bug: the framework's uncaughtException handler then ends the instance, as its
 * unhandledRejection handler already does, and the platform starts another.
 */
export function leaveFrameworkDomain(): void {
  (process as { domain?: { exit(): void } | null }).domain?.exit();
}
