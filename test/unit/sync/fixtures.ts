/**
 * Payloads the emulators delivered, captured by ./fixtures/capture.ts (run it again when the emulators change), and
 * the field list of CustomersV3 as the F&O parser takes it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FoEventEntity } from '../../../lib/sync/events';

export interface Captured {
	headers: Record<string, string>;
	body: Record<string, unknown>;
}

export function fixture(name: string): Captured {
	return JSON.parse(readFileSync(path.join(__dirname, 'fixtures', `${name}.json`), 'utf8')) as Captured;
}

export const customersV3 = (): FoEventEntity => fixture('fo-customersv3-entity') as unknown as FoEventEntity;

/** A deep copy with a change applied, so tests can break one thing in a real payload. */
export function edited(captured: Captured, edit: (body: Record<string, unknown>, headers: Record<string, string>) => void): Captured {
	const copy = JSON.parse(JSON.stringify(captured)) as Captured;
	edit(copy.body, copy.headers);
	return copy;
}
