export * from './models';
export * from './pricing';
export * from './upfront';
export * from './priority';
export * from './uptime';
export { pyRound } from './round';
export * from './trust';
export * from './results';
