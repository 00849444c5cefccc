#!/usr/bin/env node
// The `diffusion-ts` command: runs the TypeScript sources through tsx, with no build step. The
// repository's tsconfig.json maps the @diffusion-ts/* imports to the libraries' sources (its
// `paths`), from whatever directory the command runs in.
import { register } from 'tsx/esm/api';

register({ tsconfig: new URL('../../../tsconfig.json', import.meta.url).pathname });
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
