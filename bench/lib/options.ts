/**
 * The `--name value` and `--name=value` options of a bench command, by name. Any other argument, or an option
 * without its value, is an error that says what the command takes (`usage`).
 */
export function readOptions(argv: readonly string[], names: readonly string[], usage: string): Map<string, string> {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!match || !names.includes(match[1])) throw new Error(`Unknown argument '${argv[i]}' (use ${usage})`);
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new Error(`--${match[1]} needs a value`);
    values.set(match[1], value);
  }
  return values;
}

/** An integer option from `min` to `max`, `fallback` when it is not given. */
export function integerOption(
  values: ReadonlyMap<string, string>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = values.get(name);
  if (raw === undefined) return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) throw new Error(`--${name} must be an integer from ${min} to ${max}`);
  return value;
}
