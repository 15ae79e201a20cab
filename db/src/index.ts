export * from './bulk.ts';
export * from './client.ts';
export * from './locks.ts';
export * from './migrate.ts';
export * from './pg-errors.ts';
export * from './prepared.ts';
export * as schema from './schema/index.ts';
export * from './schema/index.ts';
