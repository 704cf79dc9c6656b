/** Percentile of a sample (nearest-rank), in the sample's unit. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function rssMb(): number {
  return Math.round((process.memoryUsage().rss / 1024 / 1024) * 10) / 10;
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Prints one JSON line to stdout (benchmarks stream their phases as JSON lines). */
export function emit(obj: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

/** Deterministic chat-like sentences for benchmarks (varied lengths, realistic wording). */
export function chatSentences(n: number): string[] {
  const starts = ['Where is my order', 'Can I return the', 'Do you have a cheap', 'I want to cancel the', 'How long does delivery take for the', 'Is the', 'Show me something like the', 'My payment failed for the'];
  const things = ['blue cotton shirt', 'USB-C fast charging cable', 'Kindle Paperwhite', 'ceramic coffee mug set', 'wireless earbuds with noise cancelling', 'Echo Dot smart speaker', 'set of three lantern candle holders', 'running shoes in size 42'];
  const tails = ['?', ' please', ', it has been two weeks!!!', ' that I bought last month?', ' under 500 rupees', ' in another colour', ' before Friday, I need it for a birthday present', ''];
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`${starts[i % starts.length]} ${things[(i * 7) % things.length]}${tails[(i * 5) % tails.length]} (#${i})`);
  return out;
}
