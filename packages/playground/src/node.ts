/**
 * @diffusion-ts/playground/node (the `exports` entry of its package.json): the page as Node drives it,
 * for the browser benchmark (bench/browser.ts) beside the browser test: Chromium and the built page
 * served with its isolation headers, and the page's own model loader, so Node times the same network.
 */
export { chromiumArgs, chromiumPath, pageDir, servePlayground, type Served } from './chromium.ts';
export { loadModel, type LoadedModel } from './network.ts';
export type { ModelCard } from './model-card.ts';
