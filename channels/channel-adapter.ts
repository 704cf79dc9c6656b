import { ActivityTypes, BotAdapter, TurnContext, type Activity, type ConversationReference, type ResourceResponse } from 'botbuilder';
import { randomUUID } from 'node:crypto';

/**
 * Where a channel puts the bot's outgoing activities: a socket.io room, the Graph Send API, ...
 * Channels stay behind this boundary; the bot only ever sees Bot Framework Activities.
 */
export interface ChannelSink {
  deliver(activity: Partial<Activity>): Promise<void>;
}

/**
 * Our own Bot Framework adapter: each channel turns its wire format into an Activity, calls
 * `processActivity`, and registers a sink that carries replies back out on the same channel.
 */
export class ChannelAdapter extends BotAdapter {
  private readonly sinks = new Map<string, ChannelSink>();

  register(channelId: string, sink: ChannelSink): void {
    this.sinks.set(channelId, sink);
  }

  async processActivity(activity: Partial<Activity>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const context = new TurnContext(this, activity);
    await this.runMiddleware(context, logic);
  }

  override async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const out: ResourceResponse[] = [];
    for (const activity of activities) {
      const id = activity.id ?? randomUUID();
      if (activity.type === 'delay') {
        await new Promise((r) => setTimeout(r, Number(activity.value) || 0));
      } else if (activity.type !== 'invokeResponse') {
        const channelId = activity.channelId ?? context.activity.channelId;
        const sink = this.sinks.get(channelId);
        if (!sink) throw new Error(`no channel registered for "${channelId}"`);
        await sink.deliver({ ...activity, id, channelId });
      }
      out.push({ id });
    }
    return out;
  }

  override async updateActivity(): Promise<void> {
    throw new Error('updating sent activities is not supported by these channels');
  }

  override async deleteActivity(): Promise<void> {
    throw new Error('deleting sent activities is not supported by these channels');
  }

  /** Proactive turn (agent messages, queue updates) on an existing conversation. */
  override async continueConversation(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const activity = TurnContext.applyConversationReference({ type: ActivityTypes.Event, name: 'continueConversation' }, reference, true);
    await this.processActivity(activity, logic);
  }
}
