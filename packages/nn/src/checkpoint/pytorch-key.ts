/**
 * State-dict keys of a PyTorch model → ours (see packages/nn/docs/state-dict.md). Both are the
 * dotted paths of fields from the root module, with ModuleList/Sequential children numbered 0, 1, …;
 * ours spell the fields in camelCase where PyTorch code uses snake_case:
 *   guided-diffusion `input_blocks.1.0.in_layers.2.weight` → `inputBlocks.1.0.inLayers.2.weight`.
 */

/** snake_case → camelCase for one path segment; numeric segments and leading underscores are kept. */
export function snakeToCamel(segment: string): string {
  const m = /^(_*)(.*)$/s.exec(segment)!;
  const [, lead, rest] = m as unknown as [string, string, string];
  return lead + rest.replace(/_+([^_])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Map one PyTorch state-dict key to this library's convention, segment by segment:
 * `out.2.weight` stays, `label_emb.weight` → `labelEmb.weight`, `norm.running_mean` → `norm.runningMean`.
 * Prefixes added by wrappers (DistributedDataParallel's `module.`, torch.compile's `_orig_mod.`)
 * are not removed: strip them first.
 */
export function fromPyTorchKey(key: string): string {
  return key.split('.').map(snakeToCamel).join('.');
}

/**
 * Rename every key of a PyTorch-style record with `fromPyTorchKey`. Throws if two keys map to the
 * same name (e.g. `a_b` and `aB`), rather than silently dropping one.
 */
export function fromPyTorchStateDict<T>(dict: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  const source = new Map<string, string>();
  for (const [key, value] of Object.entries(dict)) {
    const name = fromPyTorchKey(key);
    const previous = source.get(name);
    if (previous !== undefined) throw new Error(`fromPyTorchStateDict: "${previous}" and "${key}" both map to "${name}"`);
    source.set(name, key);
    Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** camelCase → snake_case for one path segment (`inLayers` → `in_layers`); the inverse of `snakeToCamel` on PyTorch's names. */
export function camelToSnake(segment: string): string {
  return segment.replace(/(?<=[^_])([A-Z])/g, (c: string) => `_${c.toLowerCase()}`);
}

/** One of our keys → PyTorch's spelling, segment by segment: `inputBlocks.1.0.inLayers.2.weight` → `input_blocks.1.0.in_layers.2.weight`. */
export function toPyTorchKey(key: string): string {
  return key.split('.').map(camelToSnake).join('.');
}

/**
 * Rename every key of one of our state dicts (or records) to PyTorch's spelling, for a model that
 * continues in PyTorch (guided-diffusion's UNetModel loads the result with `load_state_dict`).
 * Throws if a key does not come back unchanged through `fromPyTorchKey`, so nothing is renamed lossily.
 */
export function toPyTorchStateDict<T>(dict: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [key, value] of Object.entries(dict)) {
    const name = toPyTorchKey(key);
    if (fromPyTorchKey(name) !== key) throw new Error(`toPyTorchStateDict: "${key}" → "${name}" does not map back (it comes back as "${fromPyTorchKey(name)}")`);
    Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
