// Numeric command-line flags, as every scenario reads them (bench/lib/args.ts, day-args.ts): a value
// given is a finite number ≥ 0 or an error naming the flag; a value not given is the scenario's default.

/** The flag's number, or `fallback` when it was not given. */
export function flagNumber(v: string | undefined, fallback: number, name?: string): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new Error(`${name ? `--${name}: ` : ''}not a number: ${v}`);
  return n;
}

/** The flag's whole number, or `fallback` when it was not given. */
export function flagInteger(v: string | undefined, fallback: number, name?: string): number {
  const n = flagNumber(v, fallback, name);
  if (!Number.isInteger(n)) throw new Error(`${name ? `--${name}: ` : ''}not a whole number: ${v}`);
  return n;
}

/** A comma-separated list of numbers ≥ 0 (anything else in it is left out). */
export function flagList(s: string): number[] {
  return s
    .split(',')
    .map((x) => Number(x.trim()))
    .filter((x) => Number.isFinite(x) && x >= 0);
}
