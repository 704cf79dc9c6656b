import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { loadConfig } from './config.js';

describe('configuration', () => {
  it('defaults to worker-thread inference, and rejects unknown values with the variable named', () => {
    expect(loadConfig({}).encoder.inference).toBe('worker');
    expect(loadConfig({ SHOPBOT_INFERENCE: 'inline' }).encoder.inference).toBe('inline');
    expect(() => loadConfig({ SHOPBOT_INFERENCE: 'gpu-please' })).toThrow(/SHOPBOT_INFERENCE must be one of worker, inline/);
    expect(() => loadConfig({ SHOPBOT_ONNX_THREADS: '-1' })).toThrow(/SHOPBOT_ONNX_THREADS/);
  });

  it('keeps the unauthenticated Bot Framework endpoint to loopback unless an app id is set or it is forced', () => {
    expect(loadConfig({}).botFramework.enabled).toBe(true);
    expect(loadConfig({ HOST: '127.0.0.1' }).botFramework.enabled).toBe(true);
    expect(loadConfig({ HOST: '::1' }).botFramework.enabled).toBe(true);
    const exposed = loadConfig({ HOST: '0.0.0.0' }).botFramework;
    expect(exposed.enabled).toBe(false);
    expect(exposed.offReason).toMatch(/MicrosoftAppId/);
    expect(loadConfig({ HOST: '0.0.0.0', MicrosoftAppId: 'app-id' }).botFramework.enabled).toBe(true);
    expect(loadConfig({ HOST: '0.0.0.0', SHOPBOT_BOTFRAMEWORK: '1' }).botFramework.enabled).toBe(true);
    expect(loadConfig({ SHOPBOT_BOTFRAMEWORK: '0' }).botFramework.enabled).toBe(false);
    expect(() => loadConfig({ SHOPBOT_BOTFRAMEWORK: 'yes' })).toThrow(/SHOPBOT_BOTFRAMEWORK/);
  });

  it('assigns chats automatically by default, with a cap of 3 open chats and a 2-minute reply timeout', () => {
    expect(loadConfig({}).assignment).toEqual({ mode: 'auto', maxChats: 3, replyTimeoutMs: 120_000 });
    expect(loadConfig({ SHOPBOT_ASSIGNMENT: 'manual', SHOPBOT_MAX_CHATS: '5', SHOPBOT_REPLY_TIMEOUT: '0' }).assignment).toEqual({ mode: 'manual', maxChats: 5, replyTimeoutMs: 0 });
    expect(() => loadConfig({ SHOPBOT_ASSIGNMENT: 'random' })).toThrow(/SHOPBOT_ASSIGNMENT must be one of auto, manual/);
    expect(() => loadConfig({ SHOPBOT_MAX_CHATS: '0' })).toThrow(/SHOPBOT_MAX_CHATS/);
    expect(() => loadConfig({ SHOPBOT_REPLY_TIMEOUT: '1.5' })).toThrow(/SHOPBOT_REPLY_TIMEOUT/);
  });

  it('reads every setting the server needs here, not at its call sites: Messenger only with all three secrets, help articles, quiet, demo passwords', () => {
    const none = loadConfig({});
    expect(none.messenger).toBeNull();
    expect(none.sessionSecret).toBeNull();
    expect(none.helpDir).toBe(resolve(none.fixturesDir, 'store', 'help'));
    expect(none.quiet).toBe(false);
    expect(none.demoStaff).toEqual({ agentPassword: null, productPassword: null });
    // The store: the embedded SQLite file unless DATABASE_URL names a PostgreSQL server.
    expect(none.databaseUrl).toBeNull();
    expect(loadConfig({ DATABASE_URL: ' ' }).databaseUrl).toBeNull();
    expect(loadConfig({ DATABASE_URL: 'postgres://shopbot:pw@db:5432/shopbot' }).databaseUrl).toBe('postgres://shopbot:pw@db:5432/shopbot');
    expect(() => loadConfig({ DATABASE_URL: 'mysql://db/shop' })).toThrow(/DATABASE_URL must be a PostgreSQL URL/);
    expect(loadConfig({ MESSENGER_APP_SECRET: 'a', MESSENGER_VERIFY_TOKEN: 'v' }).messenger).toBeNull();
    const on = loadConfig({ MESSENGER_APP_SECRET: 'a', MESSENGER_VERIFY_TOKEN: 'v', MESSENGER_PAGE_TOKEN: 'p', MESSENGER_PAGE_NAME: 'my.shop', SHOPBOT_QUIET: '1', SHOPBOT_AGENT_PASSWORD: 'longer-secret' });
    expect(on.messenger).toMatchObject({ appSecret: 'a', verifyToken: 'v', pageAccessToken: 'p', pageName: 'my.shop', graphBase: 'https://graph.facebook.com/v21.0' });
    expect(on.quiet).toBe(true);
    expect(on.demoStaff.agentPassword).toBe('longer-secret');
    expect(() => loadConfig({ MESSENGER_APP_SECRET: 'a', MESSENGER_VERIFY_TOKEN: 'v', MESSENGER_PAGE_TOKEN: 'p', MESSENGER_PAGE_NAME: '<script>' })).toThrow(/MESSENGER_PAGE_NAME/);
    expect(loadConfig({ SHOPBOT_HELP_DIR: 'docs/help' }).helpDir).toBe(resolve(none.root, 'docs/help'));
  });
});
