export * from './arithmetic.ts';
export * from './unary.ts';
export * from './compare.ts';
export * from './reduce.ts';
export * from './layout.ts';
export * from './matmul.ts';
export * from './conv2d.ts';
export * from './convert.ts';
