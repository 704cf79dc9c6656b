import { MessageFactory, type TurnContext } from 'botbuilder';
import {
  ComponentDialog,
  ConfirmPrompt,
  ListStyle,
  TextPrompt,
  WaterfallDialog,
  type PromptValidatorContext,
  type WaterfallStepContext,
} from 'botbuilder-dialogs';
import { defaultTexts, type Locale, type Texts } from '../../core/i18n.js';
import type { Order, Store } from '../../store/index.js';
import { readYesNo } from '../yes-no.js';

// The multi-turn order changes (cancel, return, new delivery address) as a Bot Framework dialog:
// ask -> confirm (or collect the address) -> act. Dialog state lives in ConversationState, so a
// confirmation survives a restart between the question and the answer.

export const ORDER_CHANGE_DIALOG = 'orderChange';

export type OrderChangeKind = 'cancel' | 'return' | 'address';

export interface OrderChangeOptions {
  kind: OrderChangeKind;
  orderId: string;
  /** The question to ask, worded by the policy. */
  question: string;
  /** When it was asked (ms since epoch); set by the dialog when absent. */
  askedAt?: number;
}

/** How the dialog ended; `fallThrough`: the customer said something else, to be handled as a new message. */
export interface OrderChangeResult {
  done: boolean;
  fallThrough?: boolean;
}

const CONFIRM = 'orderChange.confirm';
const ADDRESS = 'orderChange.address';
const STEPS = 'orderChange.steps';
/** Keeping the address: the whole message says no (so "No. 12, MG Road, ..." is an address); "नहीं" too. */
const KEEP_ADDRESS = /^(no|nope|nah|no thanks|never ?mind|keep it|keep the (current|old) one|cancel|cancel that|leave it|नहीं|नही|रहने दो|रहने दें)[.!।]*$/i;
/** A question older than this is stale: a later "ok" is not an answer to it. */
export const ANSWER_WINDOW_MS = 10 * 60_000;

/** An order as sentences name it: "ORD-536365 (Sony WI-C100 … and 2 more)", in the conversation's language. */
export function orderLine(o: Order, locale: Locale | string = 'en', texts: Texts = defaultTexts): string {
  const items = o.lines.reduce((n, l) => n + l.qty, 0);
  const first = o.lines[0]?.productTitle?.slice(0, 60);
  const what = first ? (o.lines.length > 1 ? texts.t(locale, 'order.lineMore', { title: first, count: o.lines.length - 1 }) : first) : texts.t(locale, 'order.lineItems', { count: items });
  return texts.t(locale, 'order.line', { id: o.id, what });
}

function parseAddress(text: string): { line1: string; city: string; postcode: string; country?: string } | null {
  const parts = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length < 3 || text.length > 300) return null;
  return { line1: parts[0]!, city: parts[1]!, postcode: parts[2]!, ...(parts[3] ? { country: parts[3] } : {}) };
}

export class OrderChangeDialog extends ComponentDialog {
  constructor(
    private readonly store: Store,
    private readonly texts: Texts = defaultTexts,
  ) {
    super(ORDER_CHANGE_DIALOG);
    const confirm = new ConfirmPrompt(CONFIRM, async (p) => this.readConfirm(p), 'en-us');
    // The yes / no buttons are the catalogue's, in the conversation's language (ask() adds them).
    confirm.style = ListStyle.none;
    confirm.choiceOptions = { includeNumbers: false };
    this.addDialog(confirm);
    this.addDialog(new TextPrompt(ADDRESS, async (p) => this.readAddress(p)));
    this.addDialog(new WaterfallDialog(STEPS, [(step) => this.ask(step), (step) => this.act(step)]));
    this.initialDialogId = STEPS;
  }

  /** Yes / no from the plain answer only; anything else (or a stale question) ends the prompt with no value. */
  private readConfirm(p: PromptValidatorContext<boolean>): boolean {
    const asked = (p.options as { validations?: { askedAt?: number } }).validations?.askedAt ?? 0;
    p.recognized.value = Date.now() - asked > ANSWER_WINDOW_MS ? undefined : readYesNo(p.context.activity.text ?? '');
    return true;
  }

  /**
   * An address, or "no" to keep the current one, ends the prompt; so does a message that is plainly
   * no address attempt (no digit and no comma: "talk to a person"), which goes back to the bot.
   * A near miss ("12 MG Road Bengaluru") gets the format help again.
   */
  private readAddress(p: PromptValidatorContext<string>): boolean {
    const text = (p.recognized.value ?? '').trim();
    const asked = (p.options as { validations?: { askedAt?: number } }).validations?.askedAt ?? 0;
    if (Date.now() - asked > ANSWER_WINDOW_MS) return true;
    return KEEP_ADDRESS.test(text) || parseAddress(text) !== null || !/[\d,]/.test(text);
  }

  /** The conversation's locale (the gateway puts it on every activity). */
  private locale(ctx: TurnContext): Locale {
    return this.texts.resolve(ctx.activity.locale);
  }

  private async ask(step: WaterfallStepContext) {
    const o = step.options as OrderChangeOptions;
    o.askedAt ??= Date.now();
    const validations = { askedAt: o.askedAt };
    const locale = this.locale(step.context);
    if (o.kind === 'address') return step.prompt(ADDRESS, { prompt: MessageFactory.text(o.question), retryPrompt: MessageFactory.text(this.texts.t(locale, 'order.addressHelp')), validations });
    return step.prompt(CONFIRM, { prompt: MessageFactory.suggestedActions([this.texts.t(locale, 'chips.yes'), this.texts.t(locale, 'chips.no')], o.question), validations });
  }

  private async act(step: WaterfallStepContext) {
    const o = step.options as OrderChangeOptions;
    const ctx = step.context;
    const locale = this.locale(ctx);
    const say = (key: string, vars: Record<string, string> = {}) => ctx.sendActivity(this.texts.t(locale, key, vars));
    const order = await this.store.orders.get(o.orderId);
    // The order must still be the customer's (accounts can be merged or orders changed meanwhile).
    if (!order || order.customerId !== customerIdOf(ctx)) return step.endDialog({ done: false, fallThrough: true } satisfies OrderChangeResult);
    if (o.kind === 'address') {
      const text = String(step.result ?? '').trim();
      if (Date.now() - (o.askedAt ?? 0) > ANSWER_WINDOW_MS) return step.endDialog({ done: false, fallThrough: true } satisfies OrderChangeResult);
      if (KEEP_ADDRESS.test(text)) {
        await say('order.addressKept');
        return step.endDialog({ done: false } satisfies OrderChangeResult);
      }
      const address = parseAddress(text);
      if (!address) return step.endDialog({ done: false, fallThrough: true } satisfies OrderChangeResult);
      try {
        const updated = await this.store.orders.updateAddress(order.id, { ...address, country: address.country ?? order.shippingAddress.country });
        await say('order.addressChanged', { id: updated.id, address: `${address.line1}, ${address.city}, ${address.postcode}` });
        return step.endDialog({ done: true } satisfies OrderChangeResult);
      } catch (err) {
        await say('order.addressFailed', { error: (err as Error).message });
        return step.endDialog({ done: false } satisfies OrderChangeResult);
      }
    }
    if (step.result === undefined) return step.endDialog({ done: false, fallThrough: true } satisfies OrderChangeResult);
    if (step.result === false) {
      await say('order.orderKept');
      return step.endDialog({ done: false } satisfies OrderChangeResult);
    }
    try {
      if (o.kind === 'cancel') {
        const c = await this.store.orders.cancel(order.id);
        await say('order.cancelledDone', { id: c.id });
      } else {
        const r = await this.store.orders.requestReturn(order.id, 'requested in chat');
        await say('order.returnOpened', { id: r.id });
      }
      return step.endDialog({ done: true } satisfies OrderChangeResult);
    } catch (err) {
      await say('order.changeFailed', { error: (err as Error).message });
      return step.endDialog({ done: false } satisfies OrderChangeResult);
    }
  }
}

function customerIdOf(ctx: TurnContext): string | undefined {
  return (ctx.activity.channelData as { customerId?: string } | undefined)?.customerId;
}

