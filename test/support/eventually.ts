/** Reads until `accept` holds or the time is up; the error names what was awaited and the last value read. */
export async function eventually<T>(what: string, read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 45_000, pollMs = 250): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	let last: T = await read();
	while (!accept(last)) {
		if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms; last value ${JSON.stringify(last)}`);
		await new Promise((resolve) => setTimeout(resolve, pollMs));
		last = await read();
	}
	return last;
}
