import { catalogue, languages, SOURCE_LANGUAGE, type Locale, type Texts } from '../core/i18n.js';

/** Quick replies: keys of the bot catalogue's `chips` (their words are the conversation's language). */
export type ChipKey = 'recommend' | 'whereIsMyOrder' | 'talkToPerson' | 'anythingElse' | 'thatHelped' | 'cheaper' | 'tellFirst' | 'somethingElse' | 'moreLikeThis' | 'whatPeopleSay';
export const DEFAULT_CHIPS: ChipKey[] = ['recommend', 'whereIsMyOrder', 'talkToPerson'];
/** Intents as topics a customer recognises, for "Is it about …?" when the bot is unsure: keys of the catalogue's `topics`. */
export const TOPICS: Record<string, string> = {
  get_refund: 'refunds',
  track_refund: 'refunds',
  check_refund_policy: 'returns',
  cancel_order: 'cancelling',
  change_order: 'changingOrder',
  track_order: 'tracking',
  delivery_period: 'deliveryTimes',
  delivery_options: 'deliveryOptions',
  change_shipping_address: 'changingAddress',
  set_up_shipping_address: 'changingAddress',
  check_payment_methods: 'paymentMethods',
  payment_issue: 'paymentProblem',
  get_invoice: 'invoices',
  check_invoices: 'invoices',
  check_cancellation_fee: 'cancellationFees',
  create_account: 'account',
  delete_account: 'account',
  edit_account: 'account',
  recover_password: 'account',
  switch_account: 'account',
  registration_problems: 'account',
  newsletter_subscription: 'newsletter',
  contact_customer_service: 'contact',
  complaint: 'complaint',
};

/**
 * The English words of a quick reply, menu item or topic a customer tapped in another language
 * ("किसी व्यक्ति से बात करें" -> "Talk to a person"): the bot reads English, the buttons speak the
 * customer's language. Built once from every catalogue's chips, topics and Messenger menu.
 */
let chipWords: Map<string, string> | null = null;
export function englishOfChip(text: string): string | undefined {
  if (!chipWords) {
    chipWords = new Map();
    const groups = (lang: string) => {
      const bot = catalogue(lang, 'bot') as { chips: Record<string, string>; topics: Record<string, string> };
      const menu = (catalogue(lang, 'channels') as { messenger: { menu: Record<string, string> } }).messenger.menu;
      return [bot.chips, bot.topics, menu];
    };
    const english = groups(SOURCE_LANGUAGE);
    for (const lang of languages().filter((l) => l !== SOURCE_LANGUAGE)) {
      groups(lang).forEach((group, i) => {
        for (const [key, words] of Object.entries(group)) if (english[i]![key] && !chipWords!.has(words.trim())) chipWords!.set(words.trim(), english[i]![key]!);
      });
    }
  }
  return chipWords.get(text.trim());
}


/** Quick replies in the conversation's language (the bot reads them back through englishOfChip). */
export function chips(texts: Texts, locale: Locale, keys: readonly string[]) {
  return keys.map((k) => texts.t(locale, `chips.${k}`)).map((t) => ({ type: 'imBack', title: t, value: t }));
}
