import { ActivityHandler } from 'botbuilder';

/**
 * A bot that answers "echo: <text>", for tests of the channels and the gateway (not of the
 * dialogue). Set `gate` to a promise to hold every turn until it settles.
 */
export class EchoBot extends ActivityHandler {
  gate: Promise<void> | null = null;
  constructor() {
    super();
    this.onMessage(async (ctx, next) => {
      if (this.gate) await this.gate;
      await ctx.sendActivity(`echo: ${ctx.activity.text}`);
      await next();
    });
  }
}
