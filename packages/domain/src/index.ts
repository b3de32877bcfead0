export * from './entities';
export * from './tx';
export * from './errors';
export * from './error-codes';
export * from './money';
export * from './money-bounds';
export * from './time';
export * from './discounts';
export * from './ticket-totals';
export * from './ticket-invariants';
export * from './payments';
export * from './tips';
export * from './gift-cards';
export * from './offline-payments';
export * from './appointments';
export * from './turns';
export * from './cash-drawer';
export * from './open-tickets';
export * from './earnings';
export * from './permissions';
export * from './wire-text';
export * from './memory-store';
export * from './online-booking';
export { defineMutator, type MutatorDef } from './mutators/define';
export {
  applyMutation,
  isMutatorName,
  mutatorCatalog,
  mutators,
  MUTATOR_NAMES,
  MUTATOR_PERMISSIONS,
  MUTATOR_ROLES,
  ONLINE_BOOKING_MUTATORS,
  type MutatorArgs,
  type MutatorCatalogEntry,
  type MutatorName,
} from './mutators/registry';
