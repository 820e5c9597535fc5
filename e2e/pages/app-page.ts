import type { Locator, Page } from "@playwright/test";

/** What every signed-in page has: the main navigation and the toasts. */
export class AppPage {
  constructor(readonly page: Page) {}

  /** Follows a link of the main navigation ("OTA Campaigns", "Firmware", "Devices", "Groups"). */
  async navigate(name: string): Promise<void> {
    await this.page.getByRole("navigation", { name: "Main" }).getByRole("link", { name }).click();
  }

  toast(text: string | RegExp): Locator {
    return this.page.getByRole("status").filter({ hasText: text });
  }

  heading(name: string, level?: number): Locator {
    return this.page.getByRole("heading", { name, ...(level ? { level } : {}) });
  }

  /** Presses `button` in the open confirmation dialog named `dialog`. */
  async confirm(dialog: string, button: string): Promise<void> {
    await this.page.getByRole("dialog", { name: dialog }).getByRole("button", { name: button }).click();
  }
}
