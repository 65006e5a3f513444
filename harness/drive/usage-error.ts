/**
 * A mistake in how dualsock was invoked or pointed at an implementation: a bad
 * flag, a missing file, a command that does not exist, a module without a
 * factory. The CLI prints the message and exits with code 2; the message
 * names what arrived, what was expected and gives an example.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';

  constructor(
    /** What arrived, what was expected, and an example, as sentences. */
    message: string,
  ) {
    super(message);
  }
}
