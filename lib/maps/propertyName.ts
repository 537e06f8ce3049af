/**
 * The string V8 keeps for the property name `name` (its internalized twin). Names read from a parsed or cloned
 * definition are separate copies; a keyed access (`record[name]`) with a copy looks its twin up in the string table
 * first, on every access. Hot paths resolve their names through this once, when they are compiled.
 */
export function propertyName(name: string): string {
	const holder: Record<string, number> = {};
	holder[name] = 0;
	return Object.keys(holder)[0];
}
