#!/usr/bin/env node
// The dualsock command. The sources are TypeScript run through tsx, so a
// fresh clone needs no build step: `npm ci && npx dualsock …` just works.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../harness/cli/cli.ts');
process.exitCode = await main(process.argv.slice(2));
