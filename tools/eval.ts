import { runTask } from '../core/cli.js';

// `npm run --silent eval -- <task> ...`: each task module trains/loads the real component, measures
// it on the given files and returns its metrics, printed as the last stdout line.
await runTask(
  'eval',
  {
    intent: () => import('../eval/intent.js'),
    sentiment: () => import('../eval/sentiment.js'),
    reviews: () => import('../eval/reviews.js'),
    'review-sentences': () => import('../eval/review-sentences.js'),
    faq: () => import('../eval/faq.js'),
    redaction: () => import('../eval/redaction.js'),
    recommend: () => import('../eval/recommend.js'),
    conversations: () => import('../eval/conversations.js'),
  },
  process.argv.slice(2),
);
