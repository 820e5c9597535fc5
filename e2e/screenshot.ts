import path from "node:path";
import type { Page } from "@playwright/test";

const DIR = path.resolve("e2e", "screenshots");
export const DESKTOP = { width: 1440, height: 900 };
export const PHONE = { width: 390, height: 844 };

/**
 * Saves the page as it is now at desktop and phone widths
 * (`e2e/screenshots/<name>-desktop.png`, `-phone.png`), committed so that the look
 * can be reviewed without running anything. Leaves the page at desktop width.
 */
export async function snap(page: Page, name: string): Promise<void> {
  for (const [kind, size] of [
    ["phone", PHONE],
    ["desktop", DESKTOP],
  ] as const) {
    await page.setViewportSize(size);
    // Let layout and any chart settle at the new width.
    await page.waitForTimeout(150);
    await page.screenshot({ path: path.join(DIR, `${name}-${kind}.png`), fullPage: true, animations: "disabled" });
  }
}

/** Screenshots without the toasts of earlier steps: reload, then wait for `ready`. */
export async function calmSnap(page: Page, name: string, ready: () => Promise<void>): Promise<void> {
  await page.reload();
  await ready();
  await snap(page, name);
}
