/** The wall-clock bounds on protocol messages (spec/PROTOCOL.md §timeouts), kept free of imports for the command line's help. */
/**
 * The defaults are bounds on a broken implementation, not expectations of a fast one: a message
 * the implementation is able to answer takes milliseconds, so they can be generous enough that
 * a machine kept busy by other work never turns a slow answer into a verdict.
 */
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_STARTUP_TIMEOUT_MS = 120_000;
export const DEFAULT_EXIT_GRACE_MS = 5_000;
