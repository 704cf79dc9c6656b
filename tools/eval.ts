import { runTask } from '../core/cli.js';

// `npm run --silent eval -- <task> ...`: each task module trains/loads the real component, measures
// it on the given files and returns its metrics, printed as the last stdout line.
await runTask(
  'eval',
  {
    intent: () => import('../nlu/eval-intent.js'),
    sentiment: () => import('../nlu/eval-sentiment.js'),
    reviews: () => import('../nlu/eval-reviews.js'),
    'review-sentences': () => import('../nlu/eval-review-sentences.js'),
    faq: () => import('../retrieval/eval-faq.js'),
    redaction: () => import('../retrieval/eval-redaction.js'),
    recommend: () => import('../recommender/eval-recommend.js'),
    conversations: () => import('../eval/conversations.js'),
  },
  process.argv.slice(2),
);
