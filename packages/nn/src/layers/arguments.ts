/**
 * Constructor arguments of the layers in both of PyTorch's forms: positional sizes with an options
 * object last (`new Linear(3, 4)`, `new Conv2d(3, 4, 3, { padding: 1 })`), or one options object
 * (`new Linear({ inFeatures: 3, outFeatures: 4 })`). Errors name the layer and the offending value.
 */

const isOptions = (v: unknown): v is object => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A short, bounded description of a value for an error message. */
export function describeValue(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean' || v === undefined || v === null) return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v);
  if (Array.isArray(v)) return v.length <= 4 && v.every((e) => typeof e === 'number') ? `[${v.join(', ')}]` : `an array of ${v.length}`;
  return `a${typeof v === 'object' ? 'n object' : ` ${typeof v}`}`;
}

/**
 * The options object of a layer built as `new Layer(...positional, options?)` or `new Layer(options)`:
 * the positional values fill `names` in order, over the trailing options object.
 */
export function layerArgs<O extends object>(layer: string, names: readonly (keyof O & string)[], args: readonly unknown[]): O {
  if (args.length === 1 && isOptions(args[0])) return args[0] as O;
  const trailing = args.length > names.length ? args[names.length] : undefined;
  if (args.length > names.length + 1 || (trailing !== undefined && !isOptions(trailing))) {
    throw new TypeError(`${layer}: expected (${names.join(', ')}, options?) or one options object, got (${args.map(describeValue).join(', ')})`);
  }
  const positional = Object.fromEntries(names.slice(0, args.length).map((name, i) => [name, args[i]]).filter(([, v]) => v !== undefined));
  return { ...(trailing ?? {}), ...positional } as O;
}

/** Throws `RangeError('<layer>: <name> must be a positive integer, got …')` unless it is one. */
export function checkPositiveInt(layer: string, name: string, value: unknown): void {
  if (!(typeof value === 'number' && Number.isInteger(value) && value >= 1)) {
    throw new RangeError(`${layer}: ${name} must be a positive integer, got ${describeValue(value)}`);
  }
}
