// The one sentence encoder that NLU, retrieval and the recommender share. Implementations load
// the model once and coalesce concurrent calls into batched forward passes.

import { dot } from '../core/dot.js';

export const EMBEDDING_DIM = 384;

export interface Encoder {
  /** Embedding width (384 for all-MiniLM-L6-v2). */
  readonly dim: number;
  /** Where the model came from (folder or hub id) and which weights file runs. */
  readonly modelId: string;
  /** sha256 of the ONNX weights that run: indexes built with other weights must be rebuilt. */
  readonly checksum: string;
  /** The execution provider actually in use after any fallback. */
  readonly device: 'cpu' | 'cuda';
  readonly dtype: 'fp32' | 'fp16' | 'q8';
  /** L2-normalized mean-pooled embedding. Rejects bad input with an EncoderInputError. */
  embed(text: string): Promise<Float32Array>;
  /** Same as embed() for many texts; one result per input, in order. */
  embedMany(texts: readonly string[], opts?: EmbedManyOptions): Promise<Float32Array[]>;
  close(): Promise<void>;
}

export interface EmbedManyOptions {
  /** After each forward pass: the input indexes it covered and their vectors (progress, saving as it goes). */
  onBatch?: (indexes: readonly number[], vectors: readonly Float32Array[]) => void;
}

export type EncoderInputErrorCode = 'not_string' | 'empty' | 'too_large';

/** Typed error for input the encoder refuses; callers turn it into a clear message. */
export class EncoderInputError extends Error {
  constructor(
    readonly code: EncoderInputErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'EncoderInputError';
  }
}

/** Largest input any model accepts (a chat message, a review, a query). */
export const MAX_INPUT_BYTES = 64 * 1024;

/** The text itself, or an EncoderInputError saying why a model will not read it. */
export function validateInput(text: unknown): string {
  if (typeof text !== 'string') throw new EncoderInputError('not_string', `expected a string, got ${text === null ? 'null' : typeof text}`);
  if (Buffer.byteLength(text, 'utf8') > MAX_INPUT_BYTES) {
    throw new EncoderInputError('too_large', `input is larger than ${MAX_INPUT_BYTES / 1024} KB`);
  }
  if (text.trim().length === 0) throw new EncoderInputError('empty', 'input is empty or whitespace only');
  return text;
}

/** Thrown when the model folder or its files are missing, with what to do about it. */
export class ModelNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelNotFoundError';
  }
}

/** Cosine similarity of two L2-normalized vectors (a dot product). */
export const cosine: (a: Float32Array, b: Float32Array) => number = dot;
