#!/usr/bin/env node
// The `diffusion-ts` command: runs the TypeScript sources through tsx, with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
