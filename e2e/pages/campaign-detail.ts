import { expect, type Locator, type Page } from "@playwright/test";
import { AppPage } from "./app-page";

/** The actions a campaign's page may offer, by state and role. */
export const CAMPAIGN_ACTIONS = ["Start", "Resume", "Pause", "Abort"];

/** /app/ota/campaigns/{id}: the live campaign, its figures and its device table. */
export class CampaignDetailPage extends AppPage {
  readonly devicesTable: Locator;
  readonly devicePages: Locator;
  readonly statusChips: Locator;

  constructor(page: Page) {
    super(page);
    this.devicesTable = page.getByRole("table", { name: "Devices in this campaign" });
    this.devicePages = page.getByRole("navigation", { name: "Device pages" });
    this.statusChips = page.getByRole("group", { name: "Filter devices by status" });
  }

  async goto(id: number | string): Promise<void> {
    await this.page.goto(`/app/ota/campaigns/${id}`);
  }

  /** The campaign's id, read from the URL of the page it is on. */
  idFromUrl(): number {
    return Number(new URL(this.page.url()).pathname.split("/").at(-1));
  }

  /** A figure ("Status", "Succeeded", "Failed", "Progress", "Time to completion"). */
  region(name: string): Locator {
    return this.page.getByRole("region", { name });
  }

  /** An action or a status chip ("Succeeded 8"), by its exact name when `exact`. */
  button(name: string | RegExp, exact = false): Locator {
    return this.page.getByRole("button", { name, exact });
  }

  /** Sets a marker in the window that a reload would wipe out. */
  async markWindow(): Promise<void> {
    await this.page.evaluate(() => ((window as unknown as { __stay: boolean }).__stay = true));
  }

  async windowKept(): Promise<boolean | undefined> {
    return this.page.evaluate(() => (window as unknown as { __stay?: boolean }).__stay);
  }

  async expectNoActions(): Promise<void> {
    for (const action of CAMPAIGN_ACTIONS) await expect(this.button(action, true)).toHaveCount(0);
  }
}
