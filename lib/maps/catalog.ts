/**
 * The standard map catalog, read from the `maps/*.json` files. One source of truth: the same relative path reaches
 * `maps/` from `lib/maps/` (sources, tests, scripts) and `dist/maps/` from `dist/lib/maps/` (the packed package,
 * where the build copies the JSON files), so nothing is generated and nothing can drift.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { MapDefinition } from './types';

export const CATALOG_DIR = path.resolve(__dirname, '..', '..', 'maps');

let cached: { dir: string; maps: MapDefinition[] } | undefined;

/** Every catalog map, sorted by id. Read once per process: the files ship with the package and never change under it. */
export function loadCatalog(dir: string = CATALOG_DIR): MapDefinition[] {
	if (cached?.dir === dir) return cached.maps;
	if (!existsSync(dir)) throw new Error(`the map catalog is missing: ${dir} does not exist (did the build copy maps/?)`);
	const maps = readdirSync(dir)
		.filter((file) => file.endsWith('.json'))
		.map((file) => JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as MapDefinition)
		.sort((a, b) => a.id.localeCompare(b.id));
	cached = { dir, maps };
	return maps;
}

export function catalogMap(id: string, dir: string = CATALOG_DIR): MapDefinition | undefined {
	return loadCatalog(dir).find((map) => map.id === id);
}
