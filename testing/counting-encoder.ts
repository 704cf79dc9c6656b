import type { Encoder } from '../nlu/encoder-types.js';

// An encoder for the retrieval tests that counts what it embeds: the real one (loaded by the test)
// wrapped, so a test can tell what an index build or sync embedded again and what it reused.

/** `enc`, counting the texts it embeds in `texts`; `checksum` can make it pretend to be another model. Closing it leaves `enc` open. */
export function countingEncoder(enc: Encoder, checksum = enc.checksum): Encoder & { texts: number } {
  const w = {
    texts: 0,
    dim: enc.dim,
    modelId: enc.modelId,
    checksum,
    device: enc.device,
    dtype: enc.dtype,
    embed(t: string) {
      w.texts++;
      return enc.embed(t);
    },
    embedMany(ts: readonly string[]) {
      w.texts += ts.length;
      return enc.embedMany(ts);
    },
    close: async () => undefined,
  };
  return w;
}
