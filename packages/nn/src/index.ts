export * from './module.ts';
export * from './init.ts';
export * from './layers/index.ts';
export * from './unet/index.ts';
export * from './mlp.ts';
export * from './optim/index.ts';
export * from './ema.ts';
export * from './checkpoint/index.ts';
