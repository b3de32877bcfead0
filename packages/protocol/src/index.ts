export * from './sync';
export * from './errors';
export * from './auth';
export * from './approval';
export * from './public-booking';
export * from './client-config';
