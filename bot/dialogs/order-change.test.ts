import { ConversationState, TestAdapter, type Activity, type TurnContext } from 'botbuilder';
import { DialogSet, DialogTurnStatus } from 'botbuilder-dialogs';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../store/db.js';
import { createStore, type Store } from '../../store/index.js';
import { SqliteBotStorage } from '../../store/state.js';
import { seededStore } from '../../store/test-helpers.js';
import { ORDER_CHANGE_DIALOG, OrderChangeDialog, type OrderChangeKind, type OrderChangeResult } from './order-change.js';

// The order-change dialog on Bot Framework's TestAdapter, with the real SQLite store behind both
// the orders and the dialog state. "start <kind> <order>" begins the dialog; every other message
// continues it, as ShopBot does. Fall-through results are echoed so the tests can see them.

async function harness(store: Store, customerId: string) {
  const conversationState = new ConversationState(new SqliteBotStorage(store.state));
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
    expect(st.orders.get('O2')!.status).toBe('cancelled');
  });

  it('leaves the order alone on no, and understands short forms such as "haan" and "nope"', async () => {
    const { store: st } = await store();
    await (await harness(st, 'C2'))
      .send('start cancel O2')
      .assertReply((a) => expect(a.text).toContain('Change O2?'))
      .send('nope')
      .assertReply('Okay, I left the order as it is.')
      .startTest();
    expect(st.orders.get('O2')!.status).toBe('processing');
    await (await harness(st, 'C2'))
      .send('start cancel O2')
      .assertReply((a) => expect(a.text).toContain('Change O2?'))
      .send('haan')
      .assertReply((a) => expect(a.text).toMatch(/is cancelled/))
      .startTest();
    expect(st.orders.get('O2')!.status).toBe('cancelled');
  });

  it('hands an unrelated message back to the bot and changes nothing', async () => {
    const { store: st } = await store();
    await (await harness(st, 'C2'))
      .send('start cancel O2')
      .assertReply((a) => expect(a.text).toContain('Change O2?'))
      .send('do you sell garden chairs?')
      .assertReply('fallthrough: do you sell garden chairs?')
      .startTest();
    expect(st.orders.get('O2')!.status).toBe('processing');
  });

  it("refuses to act on another customer's order even if asked to", async () => {
    const { store: st } = await store();
    await (await harness(st, 'C1'))
      .send('start cancel O2')
      .assertReply((a) => expect(a.text).toContain('Change O2?'))
      .send('yes')
      .assertReply('fallthrough: yes')
      .startTest();
    expect(st.orders.get('O2')!.status).toBe('processing');
  });

  it('collects a new address, re-asking until it has street, city and postcode', async () => {
    const { store: st } = await store();
    await (await harness(st, 'C2'))
      .send('start address O2')
      .assertReply((a) => expect(a.text).toContain('Change O2?'))
      .send('somewhere nice')
      .assertReply((a) => expect(a.text).toMatch(/street, city, postcode/))
      .send("12 Park Street, Kolkata, 700016, <script>alert('x')</script>")
      .assertReply((a) => expect(a.text).toMatch(/O2 will be delivered to 12 Park Street, Kolkata, 700016/))
      .startTest();
    const o = st.orders.get('O2')!;
    expect(o.shippingAddress).toMatchObject({ line1: '12 Park Street', city: 'Kolkata', postcode: '700016' });
    // Hostile text is stored as text, never interpreted.
    expect(o.shippingAddress.country).toBe("<script>alert('x')</script>");
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
