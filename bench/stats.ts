export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] as number;
}

export const ms = (v: number) => `${v.toFixed(1)} ms`;

export function verdict(ok: boolean): string {
  return ok ? 'OK  ' : 'MISS';
}
