export * from './optimizer.ts';
export * from './sgd.ts';
export * from './adam.ts';
export * from './schedules.ts';
