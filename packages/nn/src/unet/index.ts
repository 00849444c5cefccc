export * from './config.ts';
export * from './blocks.ts';
export * from './unet.ts';
export * from './presets.ts';
