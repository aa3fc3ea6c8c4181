/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export interface Summary {
  median: number;
  min: number;
  max: number;
  count: number;
}

export function summarize(values: readonly number[]): Summary {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), count: values.length };
}

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** `1,234 req/s`; without a unit when `unit` is empty. */
export function formatRate(value: number, unit = 'req/s'): string {
  if (!Number.isFinite(value)) return 'n/a';
  const number = value >= 100 ? grouped.format(value) : value.toFixed(1);
  return unit ? `${number} ${unit}` : number;
}

export function formatMs(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ms`;
}

export function formatSeconds(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)} s` : 'n/a';
}

export function formatMegabytes(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : 'n/a';
}

export function formatPercent(ratio: number): string {
  return Number.isFinite(ratio) ? `${(ratio * 100).toFixed(0)}%` : 'n/a';
}
