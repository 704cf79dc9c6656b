import { runTask } from '../core/cli.js';

// `npm run bench -- <name>`: each benchmark prints JSON lines as it goes and returns its summary,
// printed last. Speed and memory live here, never in tests.
await runTask(
  'bench',
  {
    encode: () => import('./encode.js'),
    nlu: () => import('./nlu.js'),
    retrieval: () => import('./retrieval.js'),
    recommend: () => import('./recommend.js'),
    chat: () => import('./chat.js'),
    reviews: () => import('./reviews.js'),
    'embed-bulk': () => import('./embed-bulk.js'),
    catalog: () => import('./catalog.js'),
  },
  process.argv.slice(2),
);
