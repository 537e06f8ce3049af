import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import type { ReadOptions, WriteOptions } from '../../../lib/connectors';
import type { SystemName } from '../../../lib/odata';

/**
 * What one node adds to the shared Record implementation. The operations never ask which system they run for;
 * they read this profile, so a difference between F&O and Dataverse shows up here or in lib/connectors only.
 */
export interface NodeProfile {
	system: SystemName;
	/** The credential type the node authenticates with. */
	credentialName: string;
	/** `F&O` / `Dataverse`, for messages and descriptions. */
	label: string;
	entityPlaceholder: string;
	filterPlaceholder: string;
	/** What `$batch` sizes the connector accepts (lib/connectors owns the numbers). */
	batch: { defaultSize: number; maxSize: number };
	/** Extra entries of Get Many's options collection. */
	readOptions: INodeProperties[];
	/** Extra entries of the write operations' options collection (create, update, upsert). */
	writeOptions: INodeProperties[];
	/** Reads the extra Get Many options of item `itemIndex`. */
	readOptionsFrom(context: IExecuteFunctions, itemIndex: number): Partial<ReadOptions>;
	/** Reads the extra write options of item `itemIndex`. */
	writeOptionsFrom(context: IExecuteFunctions, itemIndex: number): Partial<WriteOptions>;
}
