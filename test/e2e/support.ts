// The browser side of the end-to-end tests: real headless Chromium driven through
// playwright-core, and a Tab per signed-in page that speaks the client's test hooks
// (web/README.md) so the specs read as what a person does and sees.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';

export const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}

export { freePort } from '../support/free-port.js';

export type ConnectionState = 'online' | 'reconnecting' | 'offline';

export interface ActivityEntry {
  id: string;
  type: string;
  task: string;
}

// Every value #connection's data-state takes, in order, even those that last less than a
// frame (a MutationObserver with old values sees each change, however quickly it is replaced).
const RECORD_CONNECTION_STATES = `
  window.__connectionStates = [];
  document.addEventListener('DOMContentLoaded', () => {
    const element = document.getElementById('connection');
    const push = (state) => {
      const states = window.__connectionStates;
      if (states[states.length - 1] !== state) states.push(state);
    };
    push(element.dataset.state);
    new MutationObserver((records) => {
      for (const record of records) push(record.oldValue);
      push(element.dataset.state);
    }).observe(element, { attributes: true, attributeFilter: ['data-state'], attributeOldValue: true });
  });
`;

/** One signed-in page, in its own browser context (its own storage, its own network switch). */
export class Tab {
  private constructor(
    readonly userId: string,
    readonly context: BrowserContext,
    readonly page: Page,
  ) {}

  /** Opens the client and signs in through the dev sign-in form; resolves once it is online. */
  static async open(browser: Browser, baseUrl: string, userId: string, viewport = { width: 900, height: 760 }): Promise<Tab> {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    await page.addInitScript(RECORD_CONNECTION_STATES);
    await page.goto(baseUrl);
    await page.getByLabel('User id').fill(userId);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const tab = new Tab(userId, context, page);
    await tab.connection('online');
    return tab;
  }

  /** Resolves once #connection shows `state`. */
  async connection(state: ConnectionState, timeout = 15_000): Promise<void> {
    await this.page.locator(`#connection[data-state="${state}"]`).waitFor({ timeout });
  }

  /** The connection states shown since the page loaded, consecutive repeats folded. */
  connectionStates(): Promise<ConnectionState[]> {
    return this.page.evaluate<ConnectionState[]>('window.__connectionStates.slice()');
  }

  row(title: string): Locator {
    return this.page.locator('#tasks > li[data-task-id]').filter({ has: this.page.locator('.title', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }) });
  }

  /** Resolves once the task's row shows; with `status`, once it shows that status. */
  async shows(title: string, { status, timeout = 10_000 }: { status?: 'pending' | 'completed'; timeout?: number } = {}): Promise<void> {
    const row = status ? this.row(title).and(this.page.locator(`[data-status="${status}"]`)) : this.row(title);
    await row.waitFor({ timeout });
  }

  /** Creates a task through the form (the rest of the form as filled); resolves with its id once the gateway has answered. */
  async create(title: string, { fillTitle = true } = {}): Promise<{ id: string; answeredAt: number }> {
    const answer = this.page.waitForResponse((res) => res.request().method() === 'POST' && new URL(res.url()).pathname === '/v1/tasks');
    if (fillTitle) await this.page.locator('#new-title').fill(title);
    await this.page.getByRole('button', { name: 'Add task' }).click();
    const response = await answer;
    const answeredAt = Date.now();
    if (response.status() !== 201) throw new Error(`creating ${title} answered ${response.status()}: ${await response.text()}`);
    const { id } = (await response.json()) as { id: string };
    await this.row(title).waitFor();
    return { id, answeredAt };
  }

  /** Clicks a row's button (Complete, Reopen, ...) and waits for the row to show the new version. */
  async act(title: string, action: 'complete' | 'reopen', expect: 'pending' | 'completed'): Promise<void> {
    const row = this.row(title);
    const version = Number(await row.getAttribute('data-version'));
    await row.locator(`button[data-action="${action}"]`).click();
    await row.and(this.page.locator(`[data-version="${version + 1}"][data-status="${expect}"]`)).waitFor();
  }

  async rows(): Promise<Array<{ id: string; title: string; status: string; version: string }>> {
    return this.page.evaluate<Array<{ id: string; title: string; status: string; version: string }>>(`[...document.querySelectorAll('#tasks > li[data-task-id]')].map((li) => ({
      id: li.dataset.taskId, title: li.querySelector('.title').textContent, status: li.dataset.status, version: li.dataset.version,
    }))`);
  }

  async activity(): Promise<ActivityEntry[]> {
    return this.page.evaluate<ActivityEntry[]>(
      `[...document.querySelectorAll('#activity > li')].map((li) => ({ id: li.dataset.eventId, type: li.dataset.eventType, task: li.dataset.eventTask }))`,
    );
  }

  /** Resolves once #activity holds at least `count` entries. */
  async activityReaches(count: number, timeout = 15_000): Promise<void> {
    // A locator, not waitForFunction: the page's CSP forbids the eval a string predicate needs.
    await this.page.locator('#activity > li').nth(count - 1).waitFor({ timeout });
  }
}

/** Both pages side by side in one PNG under test/artifacts/, for a person to look at. */
export async function screenshotSideBySide(browser: Browser, name: string, tabs: Tab[]): Promise<string> {
  const shots = await Promise.all(tabs.map((tab) => tab.page.screenshot({ fullPage: true })));
  const width = tabs[0]?.page.viewportSize()?.width ?? 900;
  const page = await browser.newPage({ viewport: { width: width * tabs.length + 10 * (tabs.length - 1), height: 760 } });
  try {
    const images = shots.map((png) => `<img src="data:image/png;base64,${png.toString('base64')}">`).join('');
    await page.setContent(`<body style="margin:0;display:flex;align-items:flex-start;gap:10px;background:#888">${images}</body>`);
    await mkdir(ARTIFACTS, { recursive: true });
    const path = join(ARTIFACTS, `${name}.png`);
    await writeFile(path, await page.screenshot({ fullPage: true }));
    return path;
  } finally {
    await page.close();
  }
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
