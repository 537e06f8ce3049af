import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import type { BatchWrite, BatchWriteResult, Connector, EntityInfo, WriteResult } from '../../../../lib/connectors';
import { errorJson, toNodeError } from '../../helpers/errors';
import { keyFieldNames, keyFromValues, mappedValues, recordFromValues } from '../../helpers/fields';
import type { NodeProfile } from '../../helpers/profile';
import { getConnector } from '../../transport';
import { writeOptionsOf } from './options';

/** Turns item `itemIndex` into one write, or throws a NodeOperationError naming what is wrong with it. */
export type PrepareWrite = (context: IExecuteFunctions, itemIndex: number, entity: EntityInfo) => BatchWrite;

/**
 * An Update or Upsert from the resource mapper: the matching columns are the key, the other columns the record
 * (key fields never go in the body: F&O rejects key changes and Dataverse drops them on update).
 */
export function columnsWrite(operation: 'update' | 'upsert', profile: NodeProfile): PrepareWrite {
	return (context, itemIndex, entity) => {
		const node = context.getNode();
		const { values, matchingColumns } = mappedValues(context, 'columns', itemIndex);
		return {
			operation,
			entity: entity.name,
			key: keyFromValues(node, entity, values, matchingColumns, itemIndex),
			record: recordFromValues(node, entity, values, itemIndex, keyFieldNames(entity)),
			options: writeOptionsOf(context, profile, itemIndex),
		};
	};
}

/** The entity of an item, described once per run (the connector caches $metadata per environment). */
export async function entityOf(
	context: IExecuteFunctions,
	connector: Connector,
	itemIndex: number,
	seen: Map<string, EntityInfo>,
	entityName: (itemIndex: number) => string = (index) => String(context.getNodeParameter('entity', index, '', { extractValue: true }) ?? '').trim(),
): Promise<EntityInfo> {
	const name = entityName(itemIndex);
	const known = seen.get(name);
	if (known) return known;
	const entity = await connector.describe(name);
	seen.set(name, entity);
	return entity;
}

/** What a successful write puts into its item. */
export function writeOutput(write: BatchWrite, result: WriteResult): IDataObject {
	return {
		outcome: result.outcome,
		entity: write.entity,
		key: result.key as IDataObject,
		...(result.id !== undefined ? { id: result.id } : {}),
		...(result.etag !== undefined ? { etag: result.etag } : {}),
		...(result.record !== undefined ? { record: result.record as IDataObject } : {}),
	};
}

type Slot = { write: BatchWrite } | { error: unknown };

/** How dual-write mode departs from the parameter-driven writes: entity per item, and the item it outputs. */
export interface WriteHooks {
	/** The entity item `itemIndex` writes to (default: the Entity parameter); may throw to reject the item. */
	entityName?: (itemIndex: number) => string;
	/** The output of a successful write (default: `writeOutput`). */
	output?: (itemIndex: number, write: BatchWrite, result: WriteResult) => IDataObject;
}

/**
 * The shared body of create, update, upsert and delete. Every item is prepared and checked against $metadata
 * first, so a bad parameter stops the node before anything is written. Then items go out one request each, or
 * in `$batch` requests of Batch Size; results come back in item order.
 */
export async function runWrites(context: IExecuteFunctions, profile: NodeProfile, prepare: PrepareWrite, hooks: WriteHooks = {}): Promise<INodeExecutionData[]> {
	const items = context.getInputData();
	const node = context.getNode();
	const continueOnFail = context.continueOnFail();
	const connector = await getConnector(context, profile);
	const entities = new Map<string, EntityInfo>();
	const batchSize = items.length > 0 ? (context.getNodeParameter('options.batchSize', 0, profile.batch.defaultSize) as number) : 0;
	// The field's bounds hold in the editor only; an expression can still produce anything.
	if (!Number.isInteger(batchSize) || batchSize < 0 || batchSize > profile.batch.maxSize) {
		throw new NodeOperationError(node, `Batch Size must be a whole number from 0 to ${profile.batch.maxSize}, got ${batchSize}`, { itemIndex: 0 });
	}

	const slots: Slot[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			slots.push({ write: prepare(context, i, await entityOf(context, connector, i, entities, hooks.entityName)) });
		} catch (error) {
			if (!continueOnFail) throw toNodeError(node, error, i);
			slots.push({ error: toNodeError(node, error, i) });
		}
	}

	const results: Array<BatchWriteResult | undefined> = new Array(items.length);
	const pending = slots.flatMap((slot, index) => ('write' in slot ? [index] : []));
	if (batchSize > 0) {
		for (let start = 0; start < pending.length; start += batchSize) {
			const chunk = pending.slice(start, start + batchSize);
			const answers = await connector.batch(
				chunk.map((index) => (slots[index] as { write: BatchWrite }).write),
				{ batchSize },
			);
			chunk.forEach((index, position) => (results[index] = answers[position]));
			const failed = chunk.find((index) => results[index]?.ok === false);
			if (failed !== undefined && !continueOnFail) {
				throw toNodeError(node, (results[failed] as { error: unknown }).error, failed);
			}
		}
	} else {
		for (const index of pending) {
			const write = (slots[index] as { write: BatchWrite }).write;
			try {
				results[index] = { ok: true, result: await single(connector, write) };
			} catch (error) {
				if (!continueOnFail) throw toNodeError(node, error, index);
				results[index] = { ok: false, error: error as never };
			}
		}
	}

	return slots.flatMap((slot, index) => {
		let json: IDataObject;
		if ('error' in slot) json = { error: errorJson(slot.error) };
		else {
			const result = results[index] as BatchWriteResult;
			json = !result.ok ? { error: errorJson(result.error) } : hooks.output ? hooks.output(index, slot.write, result.result) : writeOutput(slot.write, result.result);
		}
		return context.helpers.constructExecutionMetaData(context.helpers.returnJsonArray(json), { itemData: { item: index } });
	});
}

async function single(connector: Connector, write: BatchWrite): Promise<WriteResult> {
	const key = write.key ?? {};
	const record = write.record ?? {};
	switch (write.operation) {
		case 'create':
			return await connector.create(write.entity, record, write.options);
		case 'update':
			return await connector.update(write.entity, key, record, write.options);
		case 'upsert':
			return await connector.upsert(write.entity, key, record, write.options);
		case 'delete':
			return await connector.delete(write.entity, key, { etag: write.options?.etag });
	}
}
