export * from './money';
export * from './events';
export * from './accounts';
export * from './fold';
export * as ledgerEvents from './builders';
export { jobSettlement, transfer, adjustment, reservation, release, evaluationPromotion } from './builders';
export { uptimeReward as uptimeRewardEvent } from './builders';
export { uptimeReward } from './builders';
