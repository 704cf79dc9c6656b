// What several nodes behind one load balancer share besides the store (issue #19 item 2), as small
// interfaces: a message bus that tells the other nodes something changed, a per-conversation turn
// lock, and a leader who runs the desk's periodic sweeps. One node (SQLite, the default) gets the
// in-process versions below, which change nothing; store/sql/cluster.ts implements them on
// PostgreSQL (LISTEN/NOTIFY and advisory locks) when DATABASE_URL is set.

import type { ServerOptions } from 'socket.io';

/** What the nodes tell each other. Payloads are ids, never rows: a receiver re-reads what it needs. */
export interface ClusterMessages {
  /** FAQ units were added, merged or removed (learned answers, help articles); no labels: re-read them all. */
  faq: { labels?: number[] };
  /** Products changed (admin API, import): apply the catalogue changes since the last one applied. */
  catalog: Record<string, never>;
  /** Behavioural events the recommender recorded (already stored): apply them in memory. */
  events: { events: RecordedEvent[] };
  /**
   * Tickets joined or left the hand-off queue: agents connected here get the difference. `told`: a
   * waiting customer was just told this position (ticket id, position) by the bot, so the leader,
   * who tells customers their position, does not say it again.
   */
  queue: { told?: [number, number] };
  /** A waiting customer wrote: agents connected here get their queue row again. */
  'queue.row': { conversationId: string };
  /** An agent console connected or went away somewhere. */
  presence: Record<string, never>;
  /** Chats may be assigned now (a new ticket, a free agent): the leader runs a round. */
  assign: Record<string, never>;
}

export type Topic = keyof ClusterMessages;

/** A behavioural event as the recommender recorded it (epoch ms). */
export interface RecordedEvent {
  customerId: string;
  productId: string;
  type: string;
  ts: number;
  session?: string;
  basket?: string;
}

export interface ClusterBus {
  /** Tells every other node (never this one). Resolves once sent; a failure is logged, not thrown. */
  publish<T extends Topic>(topic: T, message: ClusterMessages[T]): Promise<void>;
  /** Calls `fn` for each message of `topic` from another node; returns the unsubscribe. */
  subscribe<T extends Topic>(topic: T, fn: (message: ClusterMessages[T]) => void): () => void;
  /**
   * Calls `fn` after the bus was cut off and is listening again: messages may have been missed, so
   * a subscriber re-reads what it keeps in step. Returns the unsubscribe.
   */
  onResync(fn: () => void): () => void;
}

/** Held while a node runs a conversation's turns; release once its chain is idle. */
export interface TurnLease {
  release(): void;
}

export interface TurnLock {
  /** Waits until this node may run the conversation's turns (other nodes' turns first). */
  hold(conversationId: string): Promise<TurnLease>;
  /** The lease now, or null when this node or another already runs that conversation. */
  tryHold(conversationId: string): Promise<TurnLease | null>;
}

export interface Leadership {
  /** Whether this node runs the cluster-wide sweeps now (queue timeout, assignment, reply timeout). */
  isLeader(): boolean;
}

/** The cluster pieces a node is built with. */
export interface Cluster {
  /** Whether other nodes may share the store (PostgreSQL); false: one process, in-process pieces. */
  readonly shared: boolean;
  readonly bus: ClusterBus;
  readonly turns: TurnLock;
  readonly leader: Leadership;
  /** socket.io's adapter across nodes (rooms, broadcasts, fetchSockets); absent: its in-memory one. */
  readonly socketAdapter?: ServerOptions['adapter'];
  /** Whether the node is in touch with the others (its bus and locks work); a node that is not should take no traffic. */
  connected(): boolean;
  close(): Promise<void>;
}

/** One node: nobody to tell, always the leader, turns serialized by the gateway's own chains. */
export function soloCluster(): Cluster {
  return { shared: false, bus: new LocalBus(), turns: new LocalTurnLock(), leader: { isLeader: () => true }, connected: () => true, close: async () => {} };
}

/** A bus with no other node on it: publishing reaches nobody. */
export class LocalBus implements ClusterBus {
  async publish(): Promise<void> {}
  subscribe(): () => void {
    return () => {};
  }
  onResync(): () => void {
    return () => {};
  }
}

/** Counts this node's holders per conversation: what a shared lock also needs to know locally. */
export class LocalTurnLock implements TurnLock {
  protected readonly holders = new Map<string, number>();

  async hold(conversationId: string): Promise<TurnLease> {
    return this.lease(conversationId);
  }

  async tryHold(conversationId: string): Promise<TurnLease | null> {
    return this.holders.has(conversationId) ? null : this.lease(conversationId);
  }

  protected lease(conversationId: string): TurnLease {
    this.holders.set(conversationId, (this.holders.get(conversationId) ?? 0) + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const n = (this.holders.get(conversationId) ?? 1) - 1;
        if (n > 0) this.holders.set(conversationId, n);
        else {
          this.holders.delete(conversationId);
          this.idle(conversationId);
        }
      },
    };
  }

  /** The node's last holder of a conversation let go. */
  protected idle(_conversationId: string): void {}
}
