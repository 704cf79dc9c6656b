import { expect, it } from 'vitest';
import { createSqlStore, type Store } from '../store/index.js';
import type { Sql } from '../store/sql/executor.js';
import { describeEngines } from '../testing/engines.js';
import { ChannelAdapter } from './channel-adapter.js';
import { Gateway, type Received } from './gateway.js';
import type { Route } from './gateway-port.js';
import { EchoBot } from '../testing/echo-bot.js';

// The gateway's intake: one channel identity's messages are taken in one at a time, in order;
// different identities side by side (on PostgreSQL, a message's dozen round trips no longer wait for
// every other customer's). Each test holds a store step back with a gate and asserts on what got
// through meanwhile, never on durations.

interface Gate {
  opened: Promise<void>;
  open(): void;
}
function gate(): Gate {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { opened, open };
}

/** Fails (instead of hanging the test) when `p` has not settled once everything else could run. */
async function settles<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not settle: it waits for another intake`)), 10_000)));
  try {
    return await Promise.race([p, stuck]);
  } finally {
    clearTimeout(timer);
  }
}

const until = async (check: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
};

describeEngines('gateway intake per channel identity', (engine) => {
  const setup = async (): Promise<{ store: Store; gateway: Gateway; sql: Sql }> => {
    const sql = await engine.fresh();
    const store = createSqlStore(sql);
    return { store, sql, gateway: new Gateway(store, new ChannelAdapter(), new EchoBot(), { log: () => {} }) };
  };

  /** Holds back the identity lookup of `externalId` (the first step of an intake) until the returned gate opens. */
  const holdLookup = (store: Store, externalId: string, times = 1) => {
    const g = gate();
    const started: string[] = [];
    const find = store.customers.findByIdentity.bind(store.customers);
    let left = times;
    store.customers.findByIdentity = async (channel, ext, sql) => {
      started.push(ext);
      if (ext === externalId && left > 0) {
        left--;
        await g.opened;
      }
      return find(channel, ext, sql);
    };
    return { ...g, started };
  };

  it("takes two identities' messages in side by side: one held back does not hold up the other", async () => {
    const { store, gateway } = await setup();
    const held = holdLookup(store, 'slow-guest');
    const slow = gateway.receive({ channel: 'web', externalId: 'slow-guest', text: 'first, held back' });
    await until(() => held.started.includes('slow-guest'), 'the held intake to start');
    let slowDone = false;
    void slow.then(() => (slowDone = true));
    // Another identity's message is stored and its turn run while the first is still held back.
    // (Opened on failure too, so that a serial intake fails this test instead of hanging the next.)
    const fast = await settles(gateway.receive({ channel: 'messenger', externalId: 'quick-psid', text: 'second, not held' }), "the other identity's intake").finally(() => setTimeout(held.open, 0));
    expect(slowDone).toBe(false);
    await fast.done;
    expect((await store.conversations.transcript(fast.conversationId)).map((m) => m.text)).toEqual(['second, not held', 'echo: second, not held']);
    held.open();
    const r = await slow;
    await r.done;
    expect(r.conversationId).not.toBe(fast.conversationId);
    expect((await store.conversations.transcript(r.conversationId)).map((m) => m.text)).toEqual(['first, held back', 'echo: first, held back']);
    expect(gateway.intakeBacklog()).toBe(0);
  });

  it("keeps one identity's messages in arrival order while another identity's go past", async () => {
    const { store, gateway } = await setup();
    const held = holdLookup(store, 'tab-guest');
    const first = gateway.receive({ channel: 'web', externalId: 'tab-guest', text: 'one' });
    const second = gateway.receive({ channel: 'web', externalId: 'tab-guest', text: 'two' });
    await until(() => held.started.includes('tab-guest'), 'the first intake to start');
    const other = await settles(gateway.receive({ channel: 'web', externalId: 'other-guest', text: 'meanwhile' }), "the other identity's intake").catch((err: unknown) => {
      held.open();
      throw err;
    });
    // The second message of the held identity has not started: it waits for the first.
    expect(held.started.filter((e) => e === 'tab-guest')).toHaveLength(1);
    expect(gateway.intakeBacklog()).toBe(1);
    held.open();
    const [a, b] = await Promise.all([first, second]);
    await Promise.all([a.done, b.done, other.done]);
    expect(a.conversationId).toBe(b.conversationId);
    expect(b.seq).toBeGreaterThan(a.seq);
    const transcript = await store.conversations.transcript(a.conversationId);
    expect(transcript.filter((m) => m.role === 'customer').map((m) => m.text)).toEqual(['one', 'two']);
    expect(transcript.filter((m) => m.role === 'bot').map((m) => m.text)).toEqual(['echo: one', 'echo: two']);
    expect(gateway.intakeBacklog()).toBe(0);
  });

  it('a web tab and Messenger of one linked customer writing at the same moment end in one conversation', async () => {
    const { store, gateway } = await setup();
    for (let k = 0; k < 4; k++) {
      const { customer } = await store.customers.resolveOrCreate('web', `web-${k}`);
      await store.customers.linkIdentity(customer.id, 'messenger', `psid-${k}`);
      // Both intakes look for the customer's live conversation before either opens one: each finds
      // none outside a transaction, so each goes on to open one (the race to guard against).
      const list = store.conversations.listForCustomer.bind(store.conversations);
      let outside = 0;
      const both = gate();
      store.conversations.listForCustomer = async (customerId, limit, sql) => {
        if (customerId === customer.id && (sql === undefined || sql === store.sql) && ++outside <= 2) {
          if (outside === 2) both.open();
          await both.opened;
        }
        return list(customerId, limit, sql);
      };
      const received: Received[] = await settles(
        Promise.all([
          gateway.receive({ channel: 'web', externalId: `web-${k}`, text: `from the web ${k}` }),
          gateway.receive({ channel: 'messenger', externalId: `psid-${k}`, text: `from messenger ${k}` }),
        ]),
        'both intakes',
      ).finally(both.open);
      store.conversations.listForCustomer = list;
      await Promise.all(received.map((r) => r.done));
      expect(outside).toBeGreaterThanOrEqual(2);
      expect(new Set(received.map((r) => r.customerId))).toEqual(new Set([customer.id]));
      expect(new Set(received.map((r) => r.conversationId)).size).toBe(1);
      const conversationId = received[0]!.conversationId;
      expect((await store.conversations.listForCustomer(customer.id, 50)).map((c) => c.id)).toEqual([conversationId]);
      // Both messages in it, each answered once, nothing owed.
      const transcript = await store.conversations.transcript(conversationId);
      expect(transcript.filter((m) => m.role === 'customer').map((m) => m.text).sort()).toEqual([`from messenger ${k}`, `from the web ${k}`]);
      expect(transcript.filter((m) => m.role === 'bot')).toHaveLength(2);
      expect(await store.pendingTurns.list()).toEqual([]);
      // Replies go to the identity of the later message (by seq), whichever intake finished last.
      const last = [...received].sort((x, y) => y.seq - x.seq)[0]!;
      const route = (await store.state.get<Route>(`route:${conversationId}`))?.value;
      expect(route?.externalId).toBe(last === received[0] ? `web-${k}` : `psid-${k}`);
    }
    expect(gateway.intakeBacklog()).toBe(0);
  });
});
