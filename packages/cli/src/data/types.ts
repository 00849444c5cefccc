/**
 * What every dataset generator returns: plain typed arrays, so the data layer does not depend on the
 * tensor package and can be handed to any backend (`tensor(data, shape)`) or written to disk as is.
 */
export interface Dataset {
  /** Row-major samples; `shape[0]` is the number of samples. */
  data: Float32Array;
  /** [n, 2] for 2-D toys, [n, C, H, W] for images, [n, C, F, H, W] for videos. */
  shape: number[];
  /** One class index per sample, in [0, numClasses). */
  labels?: Int32Array;
  numClasses?: number;
}
