import { ConversationState, TestAdapter, type Activity, type TurnContext } from 'botbuilder';
import { DialogSet, DialogTurnStatus } from 'botbuilder-dialogs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../store/db.js';
import { createStore, type Store } from '../../store/index.js';
import { SqliteBotStorage } from '../../store/state.js';
import { seededStore } from '../../testing/store-helpers.js';
import { ANSWER_WINDOW_MS, ORDER_CHANGE_DIALOG, OrderChangeDialog, type OrderChangeKind, type OrderChangeResult } from './order-change.js';

// The order-change dialog on Bot Framework's TestAdapter, with the real SQLite store behind both
// the orders and the dialog state. "start <kind> <order>" begins the dialog; every other message
// continues it, as ShopBot does. Fall-through results are echoed so the tests can see them.

async function harness(store: Store, customerId: string) {
  const conversationState = new ConversationState(new SqliteBotStorage(store.sql));
  const dialogs = new DialogSet(conversationState.createProperty('dialogStack'));
  dialogs.add(new OrderChangeDialog(store));
  const adapter = new TestAdapter(async (ctx: TurnContext) => {
    ctx.activity.channelData = { customerId };
    const dc = await dialogs.createContext(ctx);
    const start = /^start (cancel|return|address) (\S+)$/.exec(ctx.activity.text ?? '');
    if (start) {
      await dc.beginDialog(ORDER_CHANGE_DIALOG, { kind: start[1] as OrderChangeKind, orderId: start[2]!, question: `Change ${start[2]}?` });
    } else if (dc.activeDialog) {
      const r = await dc.continueDialog();
      if (r.status === DialogTurnStatus.complete && (r.result as OrderChangeResult).fallThrough) await ctx.sendActivity(`fallthrough: ${ctx.activity.text}`);
    } else {
      await ctx.sendActivity('no dialog');
    }
    await conversationState.saveChanges(ctx);
  });
  return adapter;
}

const suggestions = (a: Partial<Activity>) => (a.suggestedActions?.actions ?? []).map((x) => x.title);

describe('order change dialog (botbuilder-dialogs on the real store)', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));

  async function store() {
    const s = await seededStore();
    cleanups.push(s.cleanup);
    return s;
  }

  it('cancels a processing order only after a yes, offering Yes / No as quick replies', async () => {
    const { store: st } = await store();
    await (await harness(st, 'C2'))
      .send('start cancel O2')
      .assertReply((a) => {
        expect(a.text).toContain('Change O2?');
        expect(suggestions(a)).toEqual(['Yes', 'No']);
      })
      .send('yes please')
      .assertReply((a) => expect(a.text).toMatch(/O2 is cancelled/))
      .send('anything')
      .assertReply('no dialog')
      .startTest();
    expect((await st.orders.get('O2'))!.status).toBe('cancelled');
  });

  it('leaves the order alone on no, and understands short forms such as "haan" and "nope"', async () => {
    const { store: st } = await store();
    await (await harness(st, 'C2'))
      .send('start cancel O2')
      .assertReply((a) => expect(a.text).toContain('Change O2?'))
      .send('nope')
      .assertReply('Okay, I left the order as it is.')
      .startTest();
    expect((await st.orders.get('O2'))!.status).toBe('processing');
    await (await harness(st, 'C2'))
      .send('start cancel O2')
      .assertReply((a) => expect(a.text).toContain('Change O2?'))
      .send('haan')
      .assertReply((a) => expect(a.text).toMatch(/is cancelled/))
      .startTest();
    expect((await st.orders.get('O2'))!.status).toBe('cancelled');
  });

  it('does not cancel on "I\'m not sure", "1" or a question that happens to contain "true"', async () => {
    const { store: st } = await store();
    for (const text of ["I'm not sure", '1', 'is it true it ships today?']) {
      await (await harness(st, 'C2'))
        .send('start cancel O2')
        .assertReply((a) => expect(a.text).toContain('Change O2?'))
        .send(text)
        .assertReply(`fallthrough: ${text}`)
        .startTest();
    }
    expect((await st.orders.get('O2'))!.status).toBe('processing');
  });

  it('treats a yes long after the question as a new message, not an answer', async () => {
    const { store: st } = await store();
    const adapter = await harness(st, 'C2');
    await adapter.send('start cancel O2').assertReply((a) => expect(a.text).toContain('Change O2?')).startTest();
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + ANSWER_WINDOW_MS + 1000);
      await adapter.send('ok').assertReply('fallthrough: ok').startTest();
    } finally {
      vi.useRealTimers();
    }
    expect((await st.orders.get('O2'))!.status).toBe('processing');
  });

  it('hands an unrelated message back to the bot and changes nothing', async () => {
    const { store: st } = await store();
    await (await harness(st, 'C2'))
      .send('start cancel O2')
      .assertReply((a) => expect(a.text).toContain('Change O2?'))
      .send('do you sell garden chairs?')
      .assertReply('fallthrough: do you sell garden chairs?')
      .startTest();
    expect((await st.orders.get('O2'))!.status).toBe('processing');
  });

  it("refuses to act on another customer's order even if asked to", async () => {
    const { store: st } = await store();
    await (await harness(st, 'C1'))
      .send('start cancel O2')
      .assertReply((a) => expect(a.text).toContain('Change O2?'))
      .send('yes')
      .assertReply('fallthrough: yes')
      .startTest();
    expect((await st.orders.get('O2'))!.status).toBe('processing');
  });

  it('collects a new address, re-asking until it has street, city and postcode', async () => {
    const { store: st } = await store();
    await (await harness(st, 'C2'))
      .send('start address O2')
      .assertReply((a) => expect(a.text).toContain('Change O2?'))
      .send('12 Park Street Kolkata')
      .assertReply((a) => expect(a.text).toMatch(/street, city, postcode/))
      .send("12 Park Street, Kolkata, 700016, <script>alert('x')</script>")
      .assertReply((a) => expect(a.text).toMatch(/O2 will be delivered to 12 Park Street, Kolkata, 700016/))
      .startTest();
    const o = (await st.orders.get('O2'))!;
    expect(o.shippingAddress).toMatchObject({ line1: '12 Park Street', city: 'Kolkata', postcode: '700016' });
    // Hostile text is stored as text, never interpreted.
    expect(o.shippingAddress.country).toBe("<script>alert('x')</script>");
  });

  it('takes "No. 12, ..." as an address, and lets "talk to a person" leave the address question', async () => {
    const { store: st } = await store();
    await (await harness(st, 'C2'))
      .send('start address O2')
      .assertReply((a) => expect(a.text).toContain('Change O2?'))
      .send('12 MG Road Bengaluru')
      .assertReply((a) => expect(a.text).toMatch(/street, city, postcode/))
      .send('No. 12, MG Road, Bengaluru, 560001')
      .assertReply((a) => expect(a.text).toMatch(/will be delivered to No\. 12, MG Road, Bengaluru/))
      .startTest();
    expect((await st.orders.get('O2'))!.shippingAddress.line1).toBe('No. 12');
    await (await harness(st, 'C2'))
      .send('start address O2')
      .assertReply((a) => expect(a.text).toContain('Change O2?'))
      .send('talk to a person')
      .assertReply('fallthrough: talk to a person')
      .startTest();
  });

  it('keeps a pending question across a restart (dialog state is in SQLite)', async () => {
    const { store: st, path, db } = await store();
    await (await harness(st, 'C2'))
      .send('start return O2')
      .assertReply((a) => expect(a.text).toContain('Change O2?'))
      .startTest();
    db.close();
    const reopened = createStore(openDatabase(path));
    cleanups.unshift(() => reopened.db.close());
    // O2 is processing, so a return fails politely in the store; the dialog itself resumed.
    await (await harness(reopened, 'C2'))
      .send('yes')
      .assertReply((a) => expect(a.text).toMatch(/couldn't do that|opened a return/))
      .send('hello')
      .assertReply('no dialog')
      .startTest();
  });
});
