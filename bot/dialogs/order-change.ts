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
/** Keeping the address: the whole message says no (so "No. 12, MG Road, ..." is an address). */
const KEEP_ADDRESS = /^(no|nope|nah|no thanks|never ?mind|keep it|keep the (current|old) one|cancel|cancel that|leave it)[.!]*$/i;
/** A question older than this is stale: a later "ok" is not an answer to it. */
export const ANSWER_WINDOW_MS = 10 * 60_000;

const ADDRESS_HELP = 'Please give the address as: street, city, postcode (or say "no" to keep the current one).';

export function orderLine(o: Order): string {
  const items = o.lines.reduce((n, l) => n + l.qty, 0);
  const what = o.lines[0]?.productTitle ? `${o.lines[0].productTitle.slice(0, 60)}${o.lines.length > 1 ? ` and ${o.lines.length - 1} more` : ''}` : `${items} item(s)`;
  return `${o.id} (${what})`;
}

function parseAddress(text: string): { line1: string; city: string; postcode: string; country?: string } | null {
  const parts = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length < 3 || text.length > 300) return null;
  return { line1: parts[0]!, city: parts[1]!, postcode: parts[2]!, ...(parts[3] ? { country: parts[3] } : {}) };
}

export class OrderChangeDialog extends ComponentDialog {
  constructor(private readonly store: Store) {
    super(ORDER_CHANGE_DIALOG);
    const confirm = new ConfirmPrompt(CONFIRM, async (p) => this.readConfirm(p), 'en-us');
    confirm.style = ListStyle.suggestedAction;
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

  private async ask(step: WaterfallStepContext) {
    const o = step.options as OrderChangeOptions;
    o.askedAt ??= Date.now();
    const validations = { askedAt: o.askedAt };
    if (o.kind === 'address') return step.prompt(ADDRESS, { prompt: MessageFactory.text(o.question), retryPrompt: MessageFactory.text(ADDRESS_HELP), validations });
    return step.prompt(CONFIRM, { prompt: MessageFactory.text(o.question), validations });
  }

  private async act(step: WaterfallStepContext) {
    const o = step.options as OrderChangeOptions;
    const ctx = step.context;
    const order = this.store.orders.get(o.orderId);
    // The order must still be the customer's (accounts can be merged or orders changed meanwhile).
    if (!order || order.customerId !== customerIdOf(ctx)) return step.endDialog({ done: false, fallThrough: true } satisfies OrderChangeResult);
    if (o.kind === 'address') {
      const text = String(step.result ?? '').trim();
      if (Date.now() - (o.askedAt ?? 0) > ANSWER_WINDOW_MS) return step.endDialog({ done: false, fallThrough: true } satisfies OrderChangeResult);
      if (KEEP_ADDRESS.test(text)) {
        await ctx.sendActivity('Okay, I left the address as it was.');
        return step.endDialog({ done: false } satisfies OrderChangeResult);
      }
      const address = parseAddress(text);
      if (!address) return step.endDialog({ done: false, fallThrough: true } satisfies OrderChangeResult);
      try {
        const updated = this.store.orders.updateAddress(order.id, { ...address, country: address.country ?? order.shippingAddress.country });
        await ctx.sendActivity(`Done: ${updated.id} will be delivered to ${address.line1}, ${address.city}, ${address.postcode}.`);
        return step.endDialog({ done: true } satisfies OrderChangeResult);
      } catch (err) {
        await ctx.sendActivity(`I couldn't change the address: ${(err as Error).message}.`);
        return step.endDialog({ done: false } satisfies OrderChangeResult);
      }
    }
    if (step.result === undefined) return step.endDialog({ done: false, fallThrough: true } satisfies OrderChangeResult);
    if (step.result === false) {
      await ctx.sendActivity('Okay, I left the order as it is.');
      return step.endDialog({ done: false } satisfies OrderChangeResult);
    }
    try {
      if (o.kind === 'cancel') {
        const c = this.store.orders.cancel(order.id);
        await ctx.sendActivity(`Done: ${c.id} is cancelled. Any payment is refunded to the original method within 5-7 working days.`);
      } else {
        const r = this.store.orders.requestReturn(order.id, 'requested in chat');
        await ctx.sendActivity(`Done: I opened a return for ${r.id}. You will get a pickup slot by e-mail, and the refund follows once the parcel is back.`);
      }
      return step.endDialog({ done: true } satisfies OrderChangeResult);
    } catch (err) {
      await ctx.sendActivity(`I couldn't do that: ${(err as Error).message}. Shall I get a person to help?`);
      return step.endDialog({ done: false } satisfies OrderChangeResult);
    }
  }
}

function customerIdOf(ctx: TurnContext): string | undefined {
  return (ctx.activity.channelData as { customerId?: string } | undefined)?.customerId;
}

