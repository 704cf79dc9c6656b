// LangChain adapters, so the parts can be swapped: our encoder as a LangChain `Embeddings`, our
// FAQ index as a LangChain `VectorStore` (so `asRetriever()` works and chains can use it), and any
// LangChain `Embeddings` as our `Encoder`. The bot's hot path (FaqRetriever) calls the index
// directly and does not go through these.

import { createHash } from 'node:crypto';
import { Document, type DocumentInterface } from '@langchain/core/documents';
import { Embeddings, type EmbeddingsInterface, type EmbeddingsParams } from '@langchain/core/embeddings';
import { VectorStore } from '@langchain/core/vectorstores';
import { EncoderInputError, type Encoder } from '../nlu/encoder-types.js';
import { unitKey, type QaUnit } from './extract.js';
import type { FaqIndex, StoredUnit } from './index-store.js';
import { redactText } from './redact.js';

/** Our shared sentence encoder behind LangChain's Embeddings interface. */
export class EncoderEmbeddings extends Embeddings {
  constructor(
    readonly encoder: Encoder,
    params: EmbeddingsParams = {},
  ) {
    super(params);
  }

  async embedDocuments(documents: string[]): Promise<number[][]> {
    return (await this.encoder.embedMany(documents)).map((v) => Array.from(v));
  }

  async embedQuery(document: string): Promise<number[]> {
    return Array.from(await this.encoder.embed(document));
  }
}

function l2normalize(v: ArrayLike<number>): Float32Array {
  const out = Float32Array.from(v);
  let n = 0;
  for (let i = 0; i < out.length; i++) n += out[i]! * out[i]!;
  n = Math.sqrt(n) || 1;
  for (let i = 0; i < out.length; i++) out[i]! /= n;
  return out;
}

/**
 * Any LangChain Embeddings as our Encoder (vectors L2-normalized). `checksum` identifies the model:
 * an index built with another checksum is re-embedded when opened with this one.
 */
export function embeddingsAsEncoder(embeddings: EmbeddingsInterface, info: { dim: number; modelId: string; checksum?: string }): Encoder {
  const check = (t: unknown): string => {
    if (typeof t !== 'string') throw new EncoderInputError('not_string', `expected a string, got ${typeof t}`);
    if (t.trim() === '') throw new EncoderInputError('empty', 'input is empty or whitespace only');
    return t;
  };
  const sized = (v: number[]): Float32Array => {
    if (v.length !== info.dim) throw new Error(`embedding has ${v.length} dimensions, expected ${info.dim}`);
    return l2normalize(v);
  };
  return {
    dim: info.dim,
    modelId: info.modelId,
    checksum: info.checksum ?? createHash('sha256').update(`langchain:${info.modelId}:${info.dim}`).digest('hex'),
    device: 'cpu',
    dtype: 'fp32',
    async embed(text: string) {
      return sized(await embeddings.embedQuery(check(text)));
    },
    async embedMany(texts: readonly string[]) {
      return (await embeddings.embedDocuments(texts.map(check))).map(sized);
    },
    async close() {},
  };
}

/** Filter for FaqVectorStore searches: by answer group / intent, or any predicate over a unit. */
export type FaqFilter = { group?: string; intent?: string } | ((unit: StoredUnit) => boolean);

export interface FaqDocumentMetadata {
  answer: string;
  groupId: string;
  intent: string | null;
  sources: string[];
  label: number;
}

const toDocument = (u: StoredUnit): Document<FaqDocumentMetadata> =>
  new Document<FaqDocumentMetadata>({
    pageContent: u.question,
    id: String(u.label),
    metadata: { answer: u.answer, groupId: u.group, intent: u.intent, sources: [...u.sources], label: u.label },
  });

/**
 * The FAQ index as a LangChain VectorStore. Documents are questions; `metadata.answer` (required to
 * add), `metadata.group`/`metadata.intent` and `metadata.source` (or the document id) describe the
 * unit. Everything is redacted before it is embedded or stored, as on every other path.
 */
export class FaqVectorStore extends VectorStore {
  declare FilterType: FaqFilter;

  constructor(
    readonly index: FaqIndex,
    embeddings: EmbeddingsInterface = new EncoderEmbeddings(index.encoder),
  ) {
    super(embeddings, {});
  }

  _vectorstoreType(): string {
    return 'shopbot-faq-hnsw';
  }

  private toUnits(documents: DocumentInterface[]): QaUnit[] {
    return documents.map((d, i) => {
      const m = (d.metadata ?? {}) as Record<string, unknown>;
      if (typeof m.answer !== 'string' || m.answer.trim() === '') throw new Error(`document ${i} needs metadata.answer`);
      const group = typeof m.group === 'string' ? m.group : typeof m.intent === 'string' ? m.intent : null;
      const source = typeof m.source === 'string' ? m.source : (d.id ?? `langchain:${i}`);
      const question = redactText(d.pageContent);
      return { key: unitKey(question, group), question, answer: redactText(m.answer), group, intent: typeof m.intent === 'string' ? m.intent : group, sources: [source], ts: null };
    });
  }

  async addVectors(vectors: number[][], documents: DocumentInterface[]): Promise<string[]> {
    if (vectors.length !== documents.length) throw new Error('one vector per document is needed');
    const res = await this.index.add(this.toUnits(documents), { vectors: vectors.map(l2normalize) });
    return res.labels.map(String);
  }

  async addDocuments(documents: DocumentInterface[]): Promise<string[]> {
    const units = this.toUnits(documents);
    const vectors = await this.embeddings.embedDocuments(units.map((u) => u.question));
    const res = await this.index.add(units, { vectors: vectors.map(l2normalize) });
    return res.labels.map(String);
  }

  async similaritySearchVectorWithScore(query: number[], k: number, filter?: this['FilterType']): Promise<[DocumentInterface, number][]> {
    let pred: ((u: StoredUnit) => boolean) | undefined;
    const f: FaqFilter | undefined = filter;
    if (typeof f === 'function') pred = f;
    else if (f && (f.group !== undefined || f.intent !== undefined)) {
      pred = (u) => (f.group === undefined || u.group === f.group) && (f.intent === undefined || u.intent === f.intent);
    }
    return this.index.search(l2normalize(query), k, pred).map((h) => [toDocument(h.unit), h.score]);
  }

  static fromIndex(index: FaqIndex, embeddings?: EmbeddingsInterface): FaqVectorStore {
    return new FaqVectorStore(index, embeddings);
  }
}
