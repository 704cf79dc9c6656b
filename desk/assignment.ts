import type { AssignmentConfig } from '../core/config.js';
import type { Agent, Store, Ticket } from '../store/index.js';
import type { StaffAccount } from '../store/agents.js';

// Who gets a waiting chat (issue #18 item 3). The policy is small and pure (priorityOf, canTake,
// RoundRobin.pick); AutoAssigner applies it to the store for the agents online, and puts chats their
// agent did not answer in time back in the queue. The hand-off desk (desk/handoff.ts) tells agents
// and customers.

/** The queue's order is priority first: an upset customer's chat gets at least this much. */
export const UPSET_PRIORITY = 2;
/** A VIP customer's chat gets this much more than it would otherwise. */
export const VIP_BONUS = 2;

/** A ticket's priority: the bot's (upset 2, needs a person 1, else 0), at least UPSET_PRIORITY when upset, plus VIP_BONUS for VIPs. */
export function priorityOf(base: number, opts: { vip: boolean; upset: boolean }): number {
  return Math.max(base, opts.upset ? UPSET_PRIORITY : 0) + (opts.vip ? VIP_BONUS : 0);
}

/** An online agent as the policy sees them. */
export interface Candidate {
  id: string;
  /** Own and teams' skills; none at all: a generalist who takes any chat. */
  skills: ReadonlySet<string>;
  /** Chats the agent holds now. */
  open: number;
  /** The most the agent may hold. */
  cap: number;
}

/** A waiting chat as the policy sees it. */
export interface Waiting {
  skill: string | null;
  /** Agents who were given it and did not answer: not given it again. */
  lapsedAgents: readonly string[];
}

/** Whether the agent may get this chat now: below the cap, has the skill ('general' and none: anyone), and did not let it lapse before. */
export function canTake(c: Candidate, t: Waiting): boolean {
  if (c.open >= c.cap || t.lapsedAgents.includes(c.id)) return false;
  return t.skill === null || t.skill === 'general' || c.skills.size === 0 || c.skills.has(t.skill);
}

/** Least-loaded first; among equals, whoever was given a chat longest ago (round-robin). */
export class RoundRobin {
  private seq = 0;
  private readonly last = new Map<string, number>();

  pick(t: Waiting, candidates: readonly Candidate[]): Candidate | null {
    let best: Candidate | null = null;
    for (const c of candidates) {
      if (!canTake(c, t)) continue;
      if (!best || c.open < best.open || (c.open === best.open && this.lastOf(c.id) < this.lastOf(best.id))) best = c;
    }
    return best;
  }

  given(agentId: string): void {
    this.last.set(agentId, ++this.seq);
  }

  private lastOf(id: string): number {
    return this.last.get(id) ?? 0;
  }
}

export interface AssignerHooks {
  /** Ids of the chat-taking agents online now (on every node). */
  online(): string[] | Promise<string[]>;
  /** A chat was assigned to `agent`: tell them and the customer. */
  assigned(ticket: Ticket, agent: StaffAccount): Promise<void>;
  /** `agent` did not answer `ticket` in time; it is pending again: tell them and the customer. */
  lapsed(ticket: Ticket, agent: StaffAccount | undefined): Promise<void>;
  log(line: string): void;
  /** Whether this node runs assignment rounds (on a cluster, the leader alone); absent: always. */
  leads?(): boolean;
  /** Asks the node that does run them for a round. */
  toLeader?(): void;
}

/** Settings when none are given: manual, no cap, no reply timeout (the desk as it was). */
export const MANUAL: AssignmentConfig = { mode: 'manual', maxChats: Number.MAX_SAFE_INTEGER, replyTimeoutMs: 0 };

export class AutoAssigner {
  private readonly rr = new RoundRobin();
  private scheduled = false;
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly store: Store,
    readonly settings: AssignmentConfig,
    private readonly hooks: AssignerHooks,
  ) {}

  /** The most open chats this agent may hold. */
  capOf(agent: Agent): number {
    return (agent as Partial<StaffAccount>).maxChats ?? this.settings.maxChats;
  }

  /** Runs an assignment round soon (coalesced: many calls in one tick make one round). */
  schedule(): void {
    if (this.settings.mode !== 'auto' || this.scheduled) return;
    if (this.hooks.leads && !this.hooks.leads()) {
      this.hooks.toLeader?.();
      return;
    }
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.run();
    });
  }

  /** One assignment round (rounds never overlap; a call during one runs another after it). */
  run(): Promise<void> {
    if (this.settings.mode !== 'auto') return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.round()
      .catch((err: unknown) => this.hooks.log(`[assign] round failed: ${(err as Error).message}`))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.schedule();
        }
      });
    return this.running;
  }

  private async round(): Promise<void> {
    const ids = [...new Set(await this.hooks.online())];
    if (ids.length === 0) return;
    const agents = new Map<string, StaffAccount>();
    for (const id of ids) {
      const a = await this.store.agents.get(id);
      if (a && a.active && a.role !== 'product') agents.set(id, a);
    }
    const open = await this.store.tickets.openCounts([...agents.keys()]);
    const skills = await this.store.teams.skillsOf([...agents.keys()]);
    const candidates: Candidate[] = [...agents.values()]
      .map((a) => ({ id: a.id, skills: skills.get(a.id) ?? new Set<string>(), open: open.get(a.id) ?? 0, cap: this.capOf(a) }))
      .filter((c) => c.open < c.cap);
    if (candidates.length === 0) return;
    for (const t of await this.store.tickets.pendingForAssignment(200)) {
      const c = this.rr.pick(t, candidates);
      if (!c) continue;
      let ticket: Ticket;
      try {
        ticket = await this.store.tickets.assign(t.id, c.id, { maxOpen: c.cap });
      } catch {
        continue; // taken meanwhile (an agent accepted it), or the agent filled up
      }
      c.open++;
      this.rr.given(c.id);
      await this.hooks.assigned(ticket, agents.get(c.id)!).catch((err: unknown) => this.hooks.log(`[assign] telling about ticket ${t.id} failed: ${(err as Error).message}`));
      if (candidates.every((x) => x.open >= x.cap)) break;
    }
  }

  /** Puts every chat its agent has not answered within the reply timeout back in the queue; returns how many. */
  async lapse(): Promise<number> {
    if (!(this.settings.replyTimeoutMs > 0)) return 0;
    let n = 0;
    for (const t of await this.store.tickets.unanswered(this.settings.replyTimeoutMs)) {
      const agentId = t.agentId!;
      let back: Ticket;
      try {
        back = await this.store.tickets.requeue(t.id, agentId);
      } catch {
        continue; // answered, resolved or returned meanwhile
      }
      n++;
      this.hooks.log(`[assign] ticket ${t.id}: ${agentId} did not answer within ${Math.round(this.settings.replyTimeoutMs / 1000)} s; back in the queue`);
      await this.hooks.lapsed(back, await this.store.agents.get(agentId)).catch((err: unknown) => this.hooks.log(`[assign] telling about lapsed ticket ${t.id} failed: ${(err as Error).message}`));
    }
    if (n > 0) this.schedule();
    return n;
  }
}
