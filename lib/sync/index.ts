export * from './envelope';
export * from './mapStep';
export * from './envelopeWrite';
export * from './events';
export * from './compare';
export * from './diff';
export * from './conflict';
export * from './echo';
