/** Latency summaries (milliseconds) from raw samples. */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export function summarize(samples: Float64Array | number[]): LatencySummary {
  const a = Float64Array.from(samples).sort();
  const n = a.length;
  const q = (p: number): number => (n === 0 ? NaN : a[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))]!);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += a[i]!;
  return { count: n, mean: n ? sum / n : NaN, p50: q(0.5), p90: q(0.9), p99: q(0.99), p999: q(0.999), max: n ? a[n - 1]! : NaN };
}

/** Median of repeated measurements. */
export function median(xs: readonly number[]): number {
  const a = [...xs].sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
}

/** Growable Float64Array for latency samples (no per-sample allocation). */
export class Samples {
  private buf = new Float64Array(1 << 16);
  length = 0;
  push(v: number): void {
    if (this.length === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = v;
  }
  view(): Float64Array {
    return this.buf.subarray(0, this.length);
  }
}
