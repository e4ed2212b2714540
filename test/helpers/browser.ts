/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser). Under CI=true a missing
 * chromium is an error (.ci/run installs the package); elsewhere the browser tests skip and say so.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';

// Functions passed to page.evaluate run in the browser; these names exist there, not in Node.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any;

export function chromiumPath(): string | undefined {
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      const p = execFileSync('which', [name], { encoding: 'utf8' }).trim();
      if (p) return p;
    } catch {
      // not on PATH
    }
  }
  return undefined;
}

/** `false` when the tests can run; a skip message otherwise (throws under CI=true). */
export function browserSkip(): false | string {
  if (chromiumPath()) return false;
  if (process.env.CI === 'true') throw new Error('chromium is not installed (apt-get install chromium); the console tests need it under CI=true');
  return 'chromium not installed (apt-get install chromium)';
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('chromium not found');
  return chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; html: string }[];
}

/**
 * axe-core's WCAG 2.1 A/AA checks on the page as it is. Injected through the DevTools protocol
 * (page.evaluate), which the console's CSP does not govern — the page itself allows no such script.
 */
export async function axeCheck(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: AxeViolation[] }> } }).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target, html: n.html.slice(0, 200) })) }));
  });
}
