export * from './approvals.ts';
export * from './benefits.ts';
export * from './card-number.ts';
export * from './civil-date.ts';
export * from './clock.ts';
export * from './ids.ts';
export * from './money.ts';
export * from './problem.ts';
