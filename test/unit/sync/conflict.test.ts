import { mergeThreeWay, type MergeInput } from '../../../lib/sync';

// An F&O -> Dataverse change: incoming = F&O values mapped to account columns, current = the account as read.
const base = (over: Partial<MergeInput>): MergeInput => ({
	source: 'fo',
	master: { name: 'Contoso', telephone1: '555', creditlimit: 100 },
	incoming: { name: 'Contoso', telephone1: '555', creditlimit: 100 },
	current: { name: 'Contoso', telephone1: '555', creditlimit: 100 },
	...over,
});

describe('mergeThreeWay', () => {
	it('nothing changed anywhere: no write, no conflict', () => {
		const result = mergeThreeWay(base({}));
		expect(result).toMatchObject({ writeNeeded: false, write: {}, conflicts: [], sourceBehind: [] });
		expect(result.merged).toEqual({ name: 'Contoso', telephone1: '555', creditlimit: 100 });
	});

	it('changed on the source only: the source value is written', () => {
		const result = mergeThreeWay(base({ incoming: { name: 'Contoso Ltd', telephone1: '555', creditlimit: 100 } }));
		expect(result.write).toEqual({ name: 'Contoso Ltd' });
		expect(result.writeNeeded).toBe(true);
		expect(result.conflicts).toEqual([]);
	});

	it('changed on the target only: the target keeps it, nothing written, source reported behind', () => {
		const result = mergeThreeWay(base({ current: { name: 'Contoso', telephone1: '777', creditlimit: 100 } }));
		expect(result.writeNeeded).toBe(false);
		expect(result.merged.telephone1).toBe('777');
		expect(result.sourceBehind).toEqual(['telephone1']);
	});

	it('different fields edited on each side both survive', () => {
		const result = mergeThreeWay(base({ incoming: { name: 'Contoso Ltd', telephone1: '555', creditlimit: 100 }, current: { name: 'Contoso', telephone1: '777', creditlimit: 100 } }));
		expect(result.merged).toEqual({ name: 'Contoso Ltd', telephone1: '777', creditlimit: 100 });
		expect(result.write).toEqual({ name: 'Contoso Ltd' });
		expect(result.conflicts).toEqual([]);
	});

	it('both sides changed to the same value (normalised): no conflict, no write', () => {
		const result = mergeThreeWay(base({ incoming: { name: 'Fabrikam  ', telephone1: '555', creditlimit: '250.0' }, current: { name: 'Fabrikam', telephone1: '555', creditlimit: 250 }, shapes: { creditlimit: { kind: 'decimal' } } }));
		expect(result.conflicts).toEqual([]);
		expect(result.writeNeeded).toBe(false);
	});

	const bothChanged = { incoming: { name: 'From F&O', telephone1: '555', creditlimit: 100 }, current: { name: 'From CRM', telephone1: '555', creditlimit: 100 } };

	it('both changed differently, primary-wins with the default primary F&O: source (F&O) wins, conflict returned', () => {
		const result = mergeThreeWay(base(bothChanged));
		expect(result.write).toEqual({ name: 'From F&O' });
		expect(result.conflicts).toEqual([{ field: 'name', source: 'From F&O', target: 'From CRM', master: 'Contoso', winner: 'fo', rule: 'primary-wins: fo is primary' }]);
	});

	it('primary-wins with Dataverse primary: the target keeps its value, the conflict is still returned', () => {
		const result = mergeThreeWay(base({ ...bothChanged, policy: { policy: 'primary-wins', primary: 'dataverse' } }));
		expect(result.writeNeeded).toBe(false);
		expect(result.merged.name).toBe('From CRM');
		expect(result.sourceBehind).toEqual(['name']);
		expect(result.conflicts).toHaveLength(1);
		expect(result.conflicts[0].winner).toBe('dataverse');
	});

	it('newest-wins: the later edit wins whichever side it is on', () => {
		const policy = { policy: 'newest-wins' as const };
		const sourceLater = mergeThreeWay(base({ ...bothChanged, policy, sourceAt: '2026-01-05T10:00:01Z', targetAt: '2026-01-05T10:00:00Z' }));
		expect(sourceLater.conflicts[0].winner).toBe('fo');
		expect(sourceLater.write).toEqual({ name: 'From F&O' });
		const targetLater = mergeThreeWay(base({ ...bothChanged, policy, sourceAt: '2026-01-05T10:00:00Z', targetAt: '2026-01-05T10:05:00Z' }));
		expect(targetLater.conflicts[0].winner).toBe('dataverse');
		expect(targetLater.conflicts[0].rule).toMatch(/newest-wins: dataverse changed later/);
		expect(targetLater.writeNeeded).toBe(false);
	});

	it('newest-wins with a missing or equal time falls back to the primary side, and says so', () => {
		const result = mergeThreeWay(base({ ...bothChanged, policy: { policy: 'newest-wins', primary: 'dataverse' }, sourceAt: '2026-01-05T10:00:00Z' }));
		expect(result.conflicts[0]).toMatchObject({ winner: 'dataverse', rule: expect.stringMatching(/a time is missing.*primary dataverse/) });
	});

	it('a Dataverse -> F&O change under primary F&O: the target (F&O) wins', () => {
		const result = mergeThreeWay({ source: 'dataverse', master: { Name: 'A' }, incoming: { Name: 'B' }, current: { Name: 'C' } });
		expect(result.conflicts[0].winner).toBe('fo');
		expect(result.writeNeeded).toBe(false);
	});

	it('field cleared on the source only: the clearing is written', () => {
		const result = mergeThreeWay(base({ incoming: { name: 'Contoso', telephone1: null, creditlimit: 100 } }));
		expect(result.write).toEqual({ telephone1: null });
	});

	it('field cleared on one side, changed on the other: a conflict', () => {
		const result = mergeThreeWay(base({ incoming: { name: 'Contoso', telephone1: null, creditlimit: 100 }, current: { name: 'Contoso', telephone1: '777', creditlimit: 100 } }));
		expect(result.conflicts.map((c) => c.field)).toEqual(['telephone1']);
	});

	it('field added to the map (no master value): fills an empty target, keeps a target value over a blank source, conflicts otherwise', () => {
		const master = { name: 'Contoso' };
		const fill = mergeThreeWay({ source: 'fo', master, incoming: { name: 'Contoso', fax: '1' }, current: { name: 'Contoso', fax: null } });
		expect(fill).toMatchObject({ write: { fax: '1' }, conflicts: [] });
		const keep = mergeThreeWay({ source: 'fo', master, incoming: { name: 'Contoso', fax: '' }, current: { name: 'Contoso', fax: '2' } });
		expect(keep).toMatchObject({ write: {}, conflicts: [], sourceBehind: ['fax'] });
		const clash = mergeThreeWay({ source: 'fo', master, incoming: { name: 'Contoso', fax: '1' }, current: { name: 'Contoso', fax: '2' } });
		expect(clash.conflicts).toEqual([expect.objectContaining({ field: 'fax', master: undefined, winner: 'fo' })]);
	});

	it('no target record: the incoming record is written whole', () => {
		const result = mergeThreeWay({ source: 'fo', incoming: { name: 'New' }, current: undefined });
		expect(result).toMatchObject({ write: { name: 'New' }, writeNeeded: true, conflicts: [] });
	});

	it('compares as the target stores values (choice given as string vs integer)', () => {
		const result = mergeThreeWay({ source: 'fo', master: { code: 3 }, incoming: { code: '3' }, current: { code: 9 }, shapes: { code: { kind: 'choice' } } });
		// The source did not change (3 = "3"); the target did: target keeps its value.
		expect(result).toMatchObject({ writeNeeded: false, conflicts: [], sourceBehind: ['code'] });
	});
});
