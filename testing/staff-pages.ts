import type { Page } from 'playwright-core';

// Staff signing in on the pages of a browser test: the sign-in form the agent console, the insights,
// reports and admin pages share, and the seeded demo accounts (store/seed.ts).

export interface StaffAccount {
  email: string;
  password: string;
}

/** The seeded support agent (also an admin). */
export const AGENT: StaffAccount = { email: 'agent@example.com', password: process.env.SHOPBOT_AGENT_PASSWORD ?? 'demo-agent' };
/** The seeded product-team account (insights only). */
export const PRODUCT: StaffAccount = { email: 'product@example.com', password: process.env.SHOPBOT_PRODUCT_PASSWORD ?? 'demo-product' };

/** Fills and sends the sign-in form, once the page shows it. */
export async function signIn(page: Page, account: StaffAccount): Promise<void> {
  await page.locator('#login-view').waitFor({ state: 'visible' });
  await page.locator('#email').fill(account.email);
  await page.locator('#password').fill(account.password);
  await page.locator('#login button[type=submit]').click();
}

/** Opens the agent console of the server at `baseUrl` and signs `account` in; resolves once the console shows. */
export async function openConsole(page: Page, baseUrl: string, account: StaffAccount = AGENT): Promise<void> {
  await page.goto(`${baseUrl}/agent`, { waitUntil: 'domcontentloaded' });
  await signIn(page, account);
  await page.locator('#console').waitFor({ state: 'visible' });
}
