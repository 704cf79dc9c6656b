// `npm run messenger -- setup`: sets the page's Get Started button, greeting (with the automated
// assistant disclosure) and persistent menu. Needs MESSENGER_PAGE_TOKEN; MESSENGER_GRAPH_BASE and
// SHOPBOT_STORE_NAME are optional. Prints one JSON line.
import { pathToFileURL } from 'node:url';
import { messengerProfile, setMessengerProfile } from '../channels/messenger-profile.js';

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<Record<string, unknown>> {
  if (argv[0] !== 'setup') throw new Error('usage: npm run messenger -- setup');
  const token = env.MESSENGER_PAGE_TOKEN;
  if (!token) throw new Error('MESSENGER_PAGE_TOKEN is not set (the page access token from the Meta app)');
  const graphBase = env.MESSENGER_GRAPH_BASE ?? 'https://graph.facebook.com/v21.0';
  const profile = messengerProfile({ storeName: env.SHOPBOT_STORE_NAME ?? 'Demo Store' });
  await setMessengerProfile(graphBase, token, profile);
  return { ok: true, graphBase, greeting: profile.greeting[0]!.text, menu: profile.persistent_menu[0]!.call_to_actions.map((a) => a.title) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (err: unknown) => {
      process.stderr.write(`messenger: ${(err as Error).message}\n`);
      process.stdout.write(`${JSON.stringify({ ok: false, error: (err as Error).message })}\n`);
      process.exitCode = 1;
    },
  );
}
