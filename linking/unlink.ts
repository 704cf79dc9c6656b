import type { Store } from '../store/index.js';
import type { Route } from '../channels/gateway-port.js';
import type { Sql } from '../store/sql/executor.js';

// Disconnecting Messenger from a customer (the reverse of linking/linking.ts). The PSID stops being the
// customer's: Messenger no longer shows the account's history, orders or open request, and the
// next message from it starts a new guest. Nothing the customer wrote is moved or deleted: history
// and orders stay with the account, which keeps its other identities (the web chat).

export type UnlinkResult =
  | { ok: true; customerId: string; psids: string[] }
  /** not_linked: no Messenger on this account; only_identity: Messenger is all the account has. */
  | { ok: false; reason: 'not_linked' | 'only_identity' };

export interface RouteTable {
  route(conversationId: string, sql?: Sql): Promise<Route | undefined>;
  reroute(conversationId: string, route: Route | null, sql?: Sql): Promise<void>;
}

/**
 * Removes the customer's Messenger identities: all of them when asked from another channel, only
 * the asking PSID when asked on Messenger. Open conversations whose replies went to a removed PSID
 * are pointed at the identity that asked (or the account's web identity), so an agent's next reply
 * does not reach a Messenger account that is no longer this customer's. One transaction.
 */
export function unlinkMessenger(store: Store, routes: RouteTable, customerId: string, from: Route): Promise<UnlinkResult> {
  return store.sql.transaction(async (tx): Promise<UnlinkResult> => {
    const identities = await store.customers.identities(customerId, tx);
    const psids = identities.filter((i) => i.channel === 'messenger' && (from.channel !== 'messenger' || i.externalId === from.externalId)).map((i) => i.externalId);
    if (psids.length === 0) return { ok: false, reason: 'not_linked' };
    const kept = identities.filter((i) => !(i.channel === 'messenger' && psids.includes(i.externalId)));
    if (kept.length === 0) return { ok: false, reason: 'only_identity' };
    for (const psid of psids) await store.customers.unlinkIdentity(customerId, 'messenger', psid, tx);
    const fallback = from.channel !== 'messenger' ? from : ((kept.find((i) => i.channel === 'web') ?? kept[0]) as Route);
    for (const c of await store.conversations.listForCustomer(customerId, 200, tx)) {
      if (c.source !== 'live' || c.status !== 'open') continue;
      const r = await routes.route(c.id, tx);
      if (r?.channel === 'messenger' && psids.includes(r.externalId)) await routes.reroute(c.id, { channel: fallback.channel, externalId: fallback.externalId }, tx);
    }
    return { ok: true, customerId, psids };
  });
}
