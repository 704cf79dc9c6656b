// Using ShopBot's help-centre index from a LangChain chain: the FAQ index (the store's articles and
// approved answers from past support chats, redacted) is a LangChain VectorStore, so `asRetriever()`
// gives a standard retriever that any chain (an LLM that writes answers from the store's own words,
// a re-ranker, an evaluation harness) can call. No model hub or API key is needed for this part.
//
//   npx tsx examples/langchain-retriever.ts "can i pay cash on delivery?"
//
// Reads the index in the configured data directory (the one `npm start` builds, SHOPBOT_DATA_DIR).

import { loadConfig } from '../core/config.js';
import { loadConfiguredEncoder } from '../nlu/off-thread.js';
import { FaqIndex } from '../retrieval/index-store.js';
import { EncoderEmbeddings, FaqVectorStore } from '../retrieval/langchain.js';

const question = process.argv.slice(2).join(' ').trim() || 'how do I return an item?';
const config = loadConfig();
const encoder = await loadConfiguredEncoder(config, { inference: 'inline', over: { log: () => undefined } });
const index = await FaqIndex.open({ dbPath: config.dbPath, encoder, quiet: true, log: () => undefined });
try {
  const retriever = new FaqVectorStore(index, new EncoderEmbeddings(encoder)).asRetriever({ k: 3 });
  const docs = await retriever.invoke(question);
  // Each document is a question the index knows; metadata.answer is the store's answer to it.
  for (const d of docs) console.log(JSON.stringify({ question: d.pageContent, answer: d.metadata.answer, sources: d.metadata.sources }));
} finally {
  await index.close();
  await encoder.close();
}
