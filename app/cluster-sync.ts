import type { ClusterBus } from '../core/cluster.js';
import type { CatalogSync } from '../recommender/catalog-sync.js';
import type { Recommender } from '../recommender/recommender.js';
import type { InteractionType } from '../recommender/types.js';
import type { FaqIndex } from '../retrieval/index-store.js';

// Keeps each node's in-memory components in step with what other nodes change (issue #19 item 2):
// FAQ units (learned answers, help articles), the catalogue and behavioural events. A change made
// here is told on the bus as ids (events as they are: a few small fields); a node that hears one
// re-reads the rows from the store. On one node the bus reaches nobody and this changes nothing.

export interface InStep {
  faq?: FaqIndex;
  recommender?: Recommender;
  /** The admin API's catalogue sync (it applies every change since the last one it applied). */
  catalog?: CatalogSync;
  log: (line: string) => void;
}

/** Wires the components to the bus; returns what undoes it. */
export function keepInStep(bus: ClusterBus, parts: InStep): () => void {
  const { faq, recommender, catalog, log } = parts;
  const off: (() => void)[] = [];
  const failed = (what: string) => (err: unknown) => log(`[cluster] ${what} from another node failed: ${(err as Error).message}`);
  if (faq) {
    faq.onChange = (labels) => void bus.publish('faq', { labels });
    off.push(() => (faq.onChange = null));
    off.push(bus.subscribe('faq', (m) => void faq.sync(m.labels).catch(failed('FAQ change'))));
    off.push(bus.onResync(() => void faq.sync().catch(failed('FAQ re-read'))));
  }
  if (recommender) {
    recommender.onRecorded = (events) => void bus.publish('events', { events });
    off.push(() => (recommender.onRecorded = null));
    off.push(
      bus.subscribe('events', (m) => {
        try {
          recommender.applyRecorded(m.events.map((e) => ({ ...e, type: e.type as InteractionType })));
        } catch (err) {
          failed('behavioural events')(err);
        }
      }),
    );
  }
  if (catalog) {
    const apply = () => void catalog.sync().catch(failed('catalogue change'));
    off.push(bus.subscribe('catalog', apply), bus.onResync(apply));
  }
  return () => {
    for (const o of off.splice(0)) o();
  };
}
