export * from './envelope';
export * from './mapStep';
export * from './envelopeWrite';
