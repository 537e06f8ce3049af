/** What differs between the two services at the HTTP level, as data rather than branches. */
import type { SystemName } from '../../odata';

export interface SystemProfile {
	system: SystemName;
	/** Path of the service root under the environment URL, with trailing slash. */
	servicePath: string;
	/** Sent with every request. */
	headers: Readonly<Record<string, string>>;
	/** Dataverse addresses a row by its primary key as `(<guid>)`; F&O always names key fields. */
	barePrimaryKey: boolean;
	batch: {
		defaultSize: number;
		maxSize: number;
		/** Dataverse stops a $batch at the first failure unless asked to continue; F&O always runs every request. */
		continueOnError: boolean;
	};
}
