// What a message says about one of the customer's own orders, as opposed to orders in general.

import { extractEntities } from '../nlu/entities.js';

/** What came in one's own order ("in my order", "from my parcel"). */
export const MY_ORDER_CONTENTS = /\b(?:in|from|inside|with|of)\s+(?:my|mine|the|our)\s+(?:order|parcel|package|shipment|delivery|box)\b/i;
export const OWN_ORDER = /\b(?:my|mine|mera|meri|mere)\s+(?:\w+\s+){0,2}(?:order|orders|parcel|package|shipment|delivery|item|items|stuff|things|product|products|purchase)\b|\b(?:my|our)\s+(?:son|daughter|grandson|granddaughter|husband|wife|father|mother|dad|mom|papa|mummy|brother|sister|friend|kid|kids|bhai|beta|beti)\s+(?:has\s+|had\s+|just\s+)?(?:ordered|placed an order|bought|purchased)\b|\bi\s+(?:have\s+|had\s+|just\s+)?(?:ordered|placed|bought|purchased)\b|(?:^|[,.;]\s*)(?:ordered|placed|bought)\b|\b(?:placed|made) (?:\d+|an?|one|two|three|my|the) (?:\w+ )?orders?\b|\b(?:did|have|had) i (?:order|ordered|buy|bought|purchase|purchased)\b|\b(?:re-?order|order (?:it |the same )?again|buy (?:it |the same )?again)\b|\b(?:did|has|have|is|when will) my\s+(?:\w+\s+){0,2}(?:ship|shipped|arrive|arrived|come|reach|dispatch|dispatched|deliver|delivered|get (?:shipped|delivered|dispatched))\b/i;
/**
 * A problem with, or a question about the state of, one particular order: "tracking not updating
 * since 3 days", "order shows cancelled but i didnt cancel it", "delivery boy didnt come today".
 * The order flow answers these (it asks a guest for the number and e-mail), not a help article.
 */
const ORDER_THING = /\bord-[a-z0-9-]+|\b(orders?|ordered|parcels?|packages?|shipments?|tracking|courier(?: guy| boy)?|delivery (?:boy|guy|man|person|agent|executive)|expected delivery|consignment)\b/i;
const ORDER_STATE = /\b(not|n'?t|didnt|hasnt|havent|wasnt|never|still|yet|where|status|update|updates|updating|showing|shows|delay(?:ed)?|late|wrong|confirm(?:ed)?|received|came|come|arrived?|reach(?:ed)?|stuck|deliver(?:ed|ing)?|dispatch(?:ed)?|shipped|when|missing|lost|which courier|delivery date|eta|track|check (?:both|them|it|the status)|out for delivery)\b|\btracking (?:number|no|id|link|details)\b/i;
export const POLICY_ASK = /\b(can i(?! (?:track|check))|can we|could i|if i|can it|can this|can that|too late|how (?:to|do i|can i)(?! (?:track|check|see|know where))|how long|how many(?! (?:of them |items? |pieces? |pcs |units? )?(?:got|have been|has been|were|was|are) (?:dispatched|shipped|delivered|sent|packed))|what(?:'s|s)? (?:happens|is the|are the|the|time)|minimum|free delivery|free shipping|till when|until when|is it possible|policy|allowed|charges?|fees?|what (?:can|should|do) i do|now what|what now|changed? my mind)\b/i;
/** "when will my smartwatch be delivered", "when will it arrive": one order, whatever it holds. */
const ARRIVAL = /\b(?:my|the|this|it|product|item)\b.{0,30}\b(?:be delivered|get delivered|arrive|reach|be shipped|be dispatched|(?:still )?come (?:today|tonight|tomorrow))\b|\bwhen\b.{0,30}\b(?:arrive|arrived|delivered)\b/i;
/** Topics of a single order's trouble: an order question first. Others (invoices, warranty) are not. */
const ORDER_TOPICS = new Set(['delivery', 'cancellation', 'refunds', 'returns', 'address-changes', 'exchanges']);
/** A message about one of the customer's own orders, not about orders in general. */
export function aboutOneOrder(text: string, topics: readonly string[]): boolean {
  // "my grandson ordered a room heater, i want to know if it has been sent": that order's state.
  if (OWN_ORDER.test(text) && /\b(?:been|got|get|gets) (?:sent|shipped|dispatched|delivered)\b|\b(?:sent|shipped|dispatched) (?:yet|or not)\b/i.test(text)) return true;
  // "did my kettle ship yet? paid thru upi": one order, whatever else the message mentions.
  if (/\b(?:did|has|have|when will) my\s+(?:\w+\s+){0,2}(?:ship|shipped|arrive|arrived|dispatch|dispatched|deliver|delivered|come|reach)\b/i.test(text)) return true;
  if (topics.some((t) => !ORDER_TOPICS.has(t))) return false;
  // "when will my refund arrive" is about refunds in general until an order is named.
  // "what if nobody is home when the delivery guy comes" asks what the store does, not where one order is.
  if (/\bwhat if\b|\bin case\b/i.test(text)) return false;
  // "shows out for delivery since morning": one parcel on its way.
  // Not "out for delivery but i changed my mind": what can be done then is the cancellation policy.
  if (/\bout for delivery\b/i.test(text) && !/\bwhat (?:does|is)\b|\bchanged? my mind\b|\b(?:cancel|refuse|don'?t want|do not want|not want)\b/i.test(text)) return true;
  // "it says delivered but not received": one order's state, whoever's words.
  if (/\bdelivered\b.{0,25}\b(?:not|never|didn'?t|haven'?t|nothing)\b.{0,15}\b(?:received|receive|get|got|come|came)\b|\b(?:not|never|didn'?t|haven'?t)\s+(?:received|got)\b.{0,25}\b(?:says|shows|showing|marked)\s+(?:as\s+)?delivered\b/i.test(text)) return true;
  const arrival = ARRIVAL.test(text) && !/\b(refunds?|money|amount|cashback)\b/i.test(text);
  if ((OWN_ORDER.test(text) || arrival) && ORDER_STATE.test(text)) return true;
  return ORDER_THING.test(text) && ORDER_STATE.test(text) && !POLICY_ASK.test(text);
}

/** The store's form of an order number the customer wrote ("#536365", "ord-536365"). */
export const orderIdOf = (raw: string): string => (raw.toUpperCase().startsWith('ORD-') ? raw.toUpperCase() : `ORD-${raw.replace(/^#/, '')}`);

/**
 * The order numbers and e-mails the customer wrote in these messages (oldest first), newest first:
 * what they told a person during a hand-off, or a few turns ago, is not asked for again.
 */
export function saidEarlier(messages: readonly { role: string; text: string }[]): { orderIds: string[]; emails: string[] } {
  const orderIds: string[] = [];
  const emails: string[] = [];
  for (const m of [...messages].reverse()) {
    if (m.role !== 'customer') continue;
    const e = extractEntities(m.text);
    for (const raw of e.orderNumbers) if (!orderIds.includes(orderIdOf(raw))) orderIds.push(orderIdOf(raw));
    for (const mail of e.emails) if (!emails.includes(mail)) emails.push(mail);
  }
  return { orderIds, emails };
}
