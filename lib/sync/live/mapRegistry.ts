/**
 * The upsert nodes of live sync need the map the Map node ran (with its overrides, or a custom map) to read the
 * target's current record and hash it, but they run later, maybe in another process. The Map node publishes the
 * definition in the state store; the upsert compiles it from there (cached by text).
 */
import { compileMap, type CompiledMap, type MapDefinition } from '../../maps';
import type { StateStore } from '../../state';

const cursorName = (mapId: string) => `map-definition:${mapId}`;

export async function publishMapDefinition(store: Pick<StateStore, 'getCursor' | 'setCursor'>, compiled: CompiledMap): Promise<void> {
	const text = JSON.stringify(compiled.definition);
	const current = await store.getCursor(cursorName(compiled.id));
	if (current?.value !== text) await store.setCursor(cursorName(compiled.id), text);
}

const compiledByText = new Map<string, CompiledMap>();

/** Undefined when no Map node has published the map yet. */
export async function loadPublishedMap(store: Pick<StateStore, 'getCursor'>, mapId: string): Promise<CompiledMap | undefined> {
	const text = (await store.getCursor(cursorName(mapId)))?.value;
	if (text === undefined) return undefined;
	let compiled = compiledByText.get(text);
	if (!compiled) {
		compiled = compileMap(JSON.parse(text) as MapDefinition);
		if (compiledByText.size > 100) compiledByText.clear();
		compiledByText.set(text, compiled);
	}
	return compiled;
}
