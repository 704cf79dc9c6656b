import type { Activity } from 'botbuilder';
import type { Role } from '../store/index.js';
import type { Sql } from '../store/sql/executor.js';
import type { ChannelId } from './inbound.js';

// What the desk (hand-off, CSAT) and account linking see of the gateway (channels/gateway.ts): a
// conversation's route and locale, and proactive messages to its customer. They receive it when they
// are built (app/compose.ts); nothing else of the channels reaches them.

/** Where the customer last wrote from: agent replies and proactive messages go back there. */
export interface Route {
  channel: ChannelId;
  externalId: string;
  /** The conversation's locale (a BCP 47 tag a channel gave; docs/i18n.md); absent: the store's default. */
  locale?: string;
}

export interface GatewayPort {
  /** Where the conversation's replies go; undefined until its customer wrote (`sql`: a caller's transaction). */
  route(conversationId: string, sql?: Sql): Promise<Route | undefined>;
  /**
   * Points the conversation's replies at another identity, or nowhere until the customer writes.
   * `sql`: a caller's transaction, so the route changes with what it commits (linking).
   */
  reroute(conversationId: string, route: Route | null, sql?: Sql): Promise<void>;
  /** The conversation's locale, as its channels last named it (undefined: the store's default). */
  locale(conversationId: string): Promise<string | undefined>;
  /** Stores a proactive activity (agent reply, queue update) and sends it to the conversation's customer. */
  sendToConversation(conversationId: string, activity: Partial<Activity>, role?: Role): Promise<void>;
  /** Resolves once the customer's turns queued so far have run. */
  whenIdle(customerId: string): Promise<void>;
}
