/**
 * The engine behind the CLI's check and replay (harness/cli/check.ts does the work).
 */
export { runCheck } from './check.ts';
export { runReplay } from './replay.ts';
