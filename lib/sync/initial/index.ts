export * from './report';
export * from './keyset';
export * from './syncMap';
export * from './run';
