export * from './concurrency';
export * from './sides';
export * from './drain';
export * from './liveWrite';
export * from './mapRegistry';
export * from './batchEnd';
export * from './cycle';
export * from './webhookJournal';
