/**
 * The engine behind the CLI's check and replay (harness/cli/check.ts does the work).
 */
export { runCheck, runReplay } from './check.ts';
