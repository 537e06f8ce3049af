import { compileFilter, FilterFieldError, FilterSyntaxError, parseFilter, type FieldInfo, type FilterDialect } from '../../../emulators/common/odata-filter';

const FIELDS: Record<string, FieldInfo> = {
	Name: { type: 'string' },
	Account: { type: 'string' },
	CreditLimit: { type: 'decimal' },
	Employees: { type: 'int' },
	Blocked: { type: 'enum', enumName: 'NoYes', enumMembers: ['No', 'Yes'] },
	Modified: { type: 'datetime' },
	Start: { type: 'date' },
	Active: { type: 'boolean' },
	Id: { type: 'guid' },
	_parentid_value: { type: 'guid' },
};

type Rec = Record<string, unknown>;
const rows: Rec[] = [
	{ Account: 'A1', Name: "O'Brien & Sons", CreditLimit: 1000.5, Employees: 10, Blocked: 'No', Modified: '2024-01-02T10:00:00Z', Start: '2024-01-02', Active: true, Id: 'aaaaaaaa-0000-0000-0000-000000000001', _parentid_value: null },
	{ Account: 'A2', Name: 'Retail Partners', CreditLimit: 0, Employees: 250, Blocked: 'Yes', Modified: '2024-03-01T00:00:00Z', Start: '2024-03-01', Active: false, Id: 'AAAAAAAA-0000-0000-0000-000000000002', _parentid_value: 'aaaaaaaa-0000-0000-0000-000000000001' },
	{ Account: 'A3', Name: 'Müller*Star', CreditLimit: 12.5, Employees: 3, Blocked: 'No', Modified: '2023-12-31T23:59:59Z', Start: '2023-12-31', Active: true, Id: 'aaaaaaaa-0000-0000-0000-000000000003', _parentid_value: null },
];

function run(filter: string, dialect: FilterDialect = 'fo'): string[] {
	const predicate = compileFilter(parseFilter(filter, dialect), (n) => FIELDS[n]);
	return rows.filter(predicate).map((r) => r.Account as string);
}

function caught(fn: () => unknown): unknown {
	try {
		fn();
	} catch (error) {
		return error;
	}
	return undefined;
}

function syntaxError(filter: string, dialect: FilterDialect = 'fo'): FilterSyntaxError {
	const error = caught(() => parseFilter(filter, dialect));
	if (error instanceof FilterSyntaxError) return error;
	throw new Error(`expected '${filter}' to fail with FilterSyntaxError, got ${String(error)}`);
}

function fieldError(filter: string, dialect: FilterDialect = 'fo'): FilterFieldError {
	const error = caught(() => compileFilter(parseFilter(filter, dialect), (n) => FIELDS[n]));
	if (error instanceof FilterFieldError) return error;
	throw new Error(`expected '${filter}' to fail with FilterFieldError, got ${String(error)}`);
}

describe('parseFilter + compileFilter: comparison and logic', () => {
	it.each([
		["Account eq 'A2'", ['A2']],
		["Account ne 'A2'", ['A1', 'A3']],
		['CreditLimit gt 12.5', ['A1']],
		['CreditLimit ge 12.5', ['A1', 'A3']],
		['CreditLimit lt 12.5m', ['A2']],
		['Employees le 10', ['A1', 'A3']],
		["Account eq 'A1' or Account eq 'A3'", ['A1', 'A3']],
		["Employees gt 5 and Account ne 'A2'", ['A1']],
		["not (Account eq 'A1')", ['A2', 'A3']],
		["(Account eq 'A1' or Account eq 'A2') and CreditLimit gt 0", ['A1']],
		["Account eq 'A1' or Account eq 'A2' and CreditLimit gt 0", ['A1']],
		['Modified gt 2024-01-01T00:00:00Z', ['A1', 'A2']],
		['Modified lt 2024-01-01', ['A3']],
		['Start eq 2024-03-01', ['A2']],
		['10 ge Employees', ['A1', 'A3']],
	])('%s', (filter, expected) => {
		expect(run(filter)).toEqual(expected);
	});

	it('compares strings case-insensitively, like SQL Server collations', () => {
		expect(run("Account eq 'a2'")).toEqual(['A2']);
	});

	it('treats doubled quotes as one quote in a literal', () => {
		expect(run("Name eq 'O''Brien & Sons'")).toEqual(['A1']);
	});

	it('keeps an injection attempt inside the literal, matching nothing', () => {
		expect(run("Account eq 'x'' or 1 eq 1 or ''a'")).toEqual([]);
	});
});

describe("F&O dialect: '*' wildcards and enum literals", () => {
	it.each([
		["Name eq '*Partners'", ['A2']],
		["Name eq 'retail*'", ['A2']],
		["Name eq '*brien*'", ['A1']],
		["Name ne '*r*'", []],
		["Name eq 'M*r*Star'", ['A3']],
	])('%s', (filter, expected) => {
		expect(run(filter)).toEqual(expected);
	});

	it('escapes regular-expression characters around wildcards', () => {
		expect(run("Name eq 'O''Brien & Sons*'")).toEqual(['A1']);
		expect(run("Name eq '.*'")).toEqual([]);
	});

	it('rejects a wildcard with an ordering operator', () => {
		expect(syntaxError("Name gt 'a*'").message).toMatch(/Wildcard/);
	});

	it('matches enum fields with the qualified enum literal, eq and ne', () => {
		expect(run("Blocked eq Microsoft.Dynamics.DataEntities.NoYes'Yes'")).toEqual(['A2']);
		expect(run("Blocked ne Microsoft.Dynamics.DataEntities.NoYes'Yes'")).toEqual(['A1', 'A3']);
	});

	it('rejects gt on enums, a wrong enum type, an unknown member and a plain string for an enum', () => {
		expect(fieldError("Blocked gt Microsoft.Dynamics.DataEntities.NoYes'No'").message).toMatch(/only be compared with eq or ne/);
		expect(fieldError("Blocked eq Microsoft.Dynamics.DataEntities.Gender'Male'").message).toMatch(/does not match/);
		expect(fieldError("Blocked eq Microsoft.Dynamics.DataEntities.NoYes'Maybe'").message).toMatch(/not a member/);
		expect(fieldError("Blocked eq 'Yes'").message).toMatch(/enum literal/);
	});

	it.each([
		["contains(Name,'x')", 'contains', 0],
		["startswith(Name,'x')", 'startswith', 0],
		["Account in ('A1','A2')", 'in', 8],
		["Blocked has Microsoft.Dynamics.DataEntities.NoYes'Yes'", 'has', 8],
		['Employees add 1 eq 2', 'add', 10],
		['_parentid_value eq null', '_parentid_value', 0],
	])('rejects %s naming the token and position', (filter, token, position) => {
		const err = syntaxError(filter);
		expect(err.token).toBe(token);
		expect(err.position).toBe(position);
		expect(err.message).toContain(String(position));
	});
});

describe('Dataverse dialect', () => {
	it.each([
		["contains(Name,'partner')", ['A2']],
		["startswith(Name,'o''b')", ['A1']],
		["endswith(Name,'star')", ['A3']],
		["not contains(Name,'a')", ['A1']],
		['Id eq aaaaaaaa-0000-0000-0000-000000000002', ['A2']],
		['_parentid_value eq aaaaaaaa-0000-0000-0000-000000000001', ['A2']],
		['_parentid_value eq null', ['A1', 'A3']],
		['Active eq true', ['A1', 'A3']],
		['Active ne true', ['A2']],
	])('%s', (filter, expected) => {
		expect(run(filter, 'dataverse')).toEqual(expected);
	});

	it("treats '*' as an ordinary character", () => {
		expect(run("Name eq 'Müller*Star'", 'dataverse')).toEqual(['A3']);
		expect(run("Name eq 'Müller*'", 'dataverse')).toEqual([]);
	});

	it('rejects enum literals and unknown functions', () => {
		expect(syntaxError("Blocked eq Microsoft.Dynamics.DataEntities.NoYes'Yes'", 'dataverse').message).toMatch(/Enum literal/);
		expect(syntaxError("substringof('x',Name)", 'dataverse').token).toBe('substringof');
	});
});

describe('syntax and field errors', () => {
	it.each([
		["Account eq 'A1", /Unterminated string/],
		["Account eq 'A1' and", /unexpected '<end of expression>'/],
		["(Account eq 'A1'", /expected '\)'/],
		["Account 'A1'", /comparison operator/],
		["Account eq 'A1' Account", /unexpected 'Account'/],
		['', /empty/],
		['Account eq #', /unexpected character '#'/],
		["Account/Name eq 'x'", /unexpected character '\/'/],
	])('%s -> %s', (filter, message) => {
		expect(syntaxError(filter).message).toMatch(message);
	});

	it('reports an unknown field with its name and position', () => {
		const err = fieldError("Account eq 'A1' and Nope eq 1");
		expect(err.token).toBe('Nope');
		expect(err.position).toBe(20);
		expect(err.message).toMatch(/Could not find a property named 'Nope'/);
	});

	it('rejects literals of the wrong type', () => {
		expect(fieldError("CreditLimit eq 'ten'").message).toMatch(/incompatible types/);
		expect(fieldError("Account eq 5").message).toMatch(/incompatible types/);
		expect(fieldError('Employees eq 2.5').message).toMatch(/integer/);
	});

	it('parses literal forms into typed nodes', () => {
		const node = parseFilter("Id eq 00000000-0000-0000-0000-0000000000AB and Modified ge 2024-05-01T10:20:30.5+02:00 and CreditLimit eq 12.5m and Name eq null", 'dataverse');
		expect(JSON.stringify(node)).toContain('"type":"guid","value":"00000000-0000-0000-0000-0000000000ab"');
		expect(JSON.stringify(node)).toContain('"type":"datetime"');
		expect(JSON.stringify(node)).toContain('"type":"number","value":12.5,"decimal":true');
		expect(JSON.stringify(node)).toContain('"type":"null"');
	});
});
