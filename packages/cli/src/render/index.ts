export { createImage, drawLine, drawText, fillBox, getPixel, setPixel } from './canvas.ts';
export type { Box, Rgb, RgbaImage } from './canvas.ts';
export { encodePng, imageGrid } from './image-grid.ts';
export type { ImageGridOptions } from './image-grid.ts';
export { encodeGif } from './gif.ts';
export type { GifOptions } from './gif.ts';
export { linePlot, scatterPlot, SERIES_COLORS } from './plot.ts';
export type { LineSeries, PlotImage, PlotOptions, ScatterSeries } from './plot.ts';
