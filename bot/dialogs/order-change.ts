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
}

/** How the dialog ended; `fallThrough`: the customer said something else, to be handled as a new message. */
export interface OrderChangeResult {
  done: boolean;
  fallThrough?: boolean;
}

const CONFIRM = 'orderChange.confirm';
const ADDRESS = 'orderChange.address';
const STEPS = 'orderChange.steps';
// Besides Microsoft's recognizer (yes / no, sure, nope, ... in many languages): short forms customers
// type, including Hindi "haan" for the Indian demo store.
const YES = /^(yes|yeah|yep|yup|sure|ok|okay|confirm|please do|do it|go ahead|y|haan|ha)\b/i;
const NO = /^(no|nope|nah|don't|do not|cancel that|stop|never mind|n)\b/i;
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
    this.addDialog(confirm);
    this.addDialog(new TextPrompt(ADDRESS, async (p) => p.recognized.succeeded && (NO.test(p.recognized.value!.trim()) || parseAddress(p.recognized.value!) !== null)));
    this.addDialog(new WaterfallDialog(STEPS, [(step) => this.ask(step), (step) => this.act(step)]));
    this.initialDialogId = STEPS;
  }

  /** Yes / no by the recognizer or the short forms; anything else ends the prompt with no value. */
  private readConfirm(p: PromptValidatorContext<boolean>): boolean {
    const text = (p.context.activity.text ?? '').trim();
    if (!p.recognized.succeeded) {
      if (YES.test(text)) p.recognized.value = true;
      else if (NO.test(text)) p.recognized.value = false;
      else p.recognized.value = undefined;
    }
    return true;
  }

  private async ask(step: WaterfallStepContext) {
    const o = step.options as OrderChangeOptions;
    if (o.kind === 'address') return step.prompt(ADDRESS, { prompt: MessageFactory.text(o.question), retryPrompt: MessageFactory.text(ADDRESS_HELP) });
    return step.prompt(CONFIRM, { prompt: MessageFactory.text(o.question) });
  }

  private async act(step: WaterfallStepContext) {
    const o = step.options as OrderChangeOptions;
    const ctx = step.context;
    const order = this.store.orders.get(o.orderId);
    // The order must still be the customer's (accounts can be merged or orders changed meanwhile).
    if (!order || order.customerId !== customerIdOf(ctx)) return step.endDialog({ done: false, fallThrough: true } satisfies OrderChangeResult);
    if (o.kind === 'address') {
      const text = String(step.result ?? '').trim();
      if (NO.test(text)) {
        await ctx.sendActivity('Okay, I left the address as it was.');
        return step.endDialog({ done: false } satisfies OrderChangeResult);
      }
      const address = parseAddress(text)!;
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

