// Row types of the store, camelCase on the TypeScript side (the SQL columns are snake_case). Enum
// values are exported as const arrays so validators, CHECK constraints and types share one list.

export const IDENTITY_CHANNELS = ['web', 'messenger', 'emulator'] as const;
export type IdentityChannel = (typeof IDENTITY_CHANNELS)[number];

export const ORDER_STATUSES = ['processing', 'shipped', 'delivered', 'cancelled', 'return_requested', 'returned'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const CONVERSATION_STATUSES = ['open', 'closed'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];

/** Who is talking to the customer right now: the bot, or (waiting for) a human agent. */
export const HANDOFF_STATES = ['none', 'pending', 'agent'] as const;
export type HandoffState = (typeof HANDOFF_STATES)[number];

export const CONVERSATION_SOURCES = ['live', 'historical'] as const;
export type ConversationSource = (typeof CONVERSATION_SOURCES)[number];

export const DIRECTIONS = ['in', 'out'] as const;
export type Direction = (typeof DIRECTIONS)[number];

export const ROLES = ['customer', 'bot', 'agent'] as const;
export type Role = (typeof ROLES)[number];

export const SENTIMENTS = ['negative', 'neutral', 'positive'] as const;
export type Sentiment = (typeof SENTIMENTS)[number];

export const TICKET_STATUSES = ['pending', 'assigned', 'resolved', 'returned', 'timeout'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export const EVENT_TYPES = ['view', 'click', 'add_to_cart', 'purchase', 'impression'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface Product {
  id: string;
  title: string;
  description: string;
  category: string;
  price: number;
  /** ISO 4217, e.g. "EUR". */
  currency: string;
  stock: number;
  image: string | null;
  /** Average rating 0..5 from the source catalogue (not recomputed from `reviews`). */
  rating: number | null;
  ratingCount: number | null;
  source: string;
  /** The product's page on the store (a path on the store's site, or an absolute http(s) URL); null: none. */
  url: string | null;
}

export interface ProductHit extends Product {
  /** Relevance, higher is better (negated BM25). */
  score: number;
}

export interface CategoryCount {
  category: string;
  count: number;
  inStock: number;
}

export interface Customer {
  id: string;
  name: string;
  email: string | null;
  country: string | null;
  createdAt: string;
}

export interface Identity {
  channel: IdentityChannel;
  externalId: string;
  customerId: string;
  createdAt: string;
}

export interface Address {
  line1: string;
  city: string;
  postcode: string;
  country: string;
}

export interface OrderLine {
  lineNo: number;
  productId: string;
  /** Title of the product now, or null if it is no longer in the catalogue. */
  productTitle: string | null;
  qty: number;
  unitPrice: number;
}

export interface Order {
  id: string;
  customerId: string;
  status: OrderStatus;
  createdAt: string;
  updatedAt: string;
  tracking: string | null;
  carrier: string | null;
  shippingAddress: Address;
  returnReason: string | null;
  lines: OrderLine[];
  /** Sum of qty * unitPrice. */
  total: number;
}

export interface Review {
  id: string;
  productId: string;
  customerId: string | null;
  rating: number;
  title: string;
  text: string;
  date: string;
  source: string;
}

export interface ReviewStats {
  productId: string;
  count: number;
  /** Mean rating, null when there are no reviews. */
  mean: number | null;
  /** Count per star, keys 1..5. */
  distribution: Record<1 | 2 | 3 | 4 | 5, number>;
}

export interface Conversation {
  id: string;
  customerId: string | null;
  channel: string;
  startedAt: string;
  updatedAt: string;
  status: ConversationStatus;
  handoff: HandoffState;
  source: ConversationSource;
  intent: string | null;
  category: string | null;
  resolution: string | null;
  /** Dataset / system the conversation came from (historical transcripts). */
  origin: string | null;
  /** Slots filled during the conversation, if known. */
  filled: Record<string, unknown> | null;
}

export interface Message {
  id: number;
  conversationId: string;
  /** 1-based position in the conversation. */
  seq: number;
  customerId: string | null;
  direction: Direction;
  role: Role;
  channel: string;
  text: string;
  payload: unknown;
  intent: string | null;
  confidence: number | null;
  sentiment: Sentiment | null;
  sentimentScore: number | null;
  createdAt: string;
}

export interface Transcript extends Conversation {
  messages: Message[];
}

export interface Ticket {
  id: number;
  conversationId: string;
  customerId: string | null;
  status: TicketStatus;
  reason: string;
  skill: string | null;
  /** Higher is more urgent. */
  priority: number;
  agentId: string | null;
  createdAt: string;
  assignedAt: string | null;
  resolvedAt: string | null;
  summary: string | null;
}

export interface QueuedTicket extends Ticket {
  /** 1-based position in the pending queue. */
  position: number;
  waitMs: number;
}

/** Staff roles: agents answer chats, admins also manage learned answers and staff, the product team reads insights. */
export const STAFF_ROLES = ['agent', 'admin', 'product'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export interface Agent {
  id: string;
  name: string;
  email: string;
  skills: string[];
  role: StaffRole;
  createdAt: string;
}

export interface AgentSession {
  token: string;
  agentId: string;
  expiresAt: string;
}

export interface BehaviourEvent {
  id: number;
  customerId: string;
  productId: string;
  type: EventType;
  context: Record<string, unknown> | null;
  ts: string;
}

export interface StateItem<T = unknown> {
  key: string;
  value: T;
  etag: string;
  updatedAt: string;
}
