import type { Locator, Page } from "@playwright/test";
import { AppPage } from "./app-page";

/** /app/ota/campaigns: the table of campaigns with their legal actions. */
export class CampaignsListPage extends AppPage {
  readonly table: Locator;
  readonly statusFilter: Locator;
  readonly newCampaign: Locator;

  constructor(page: Page) {
    super(page);
    this.table = page.getByRole("table", { name: "Campaigns" });
    this.statusFilter = page.getByLabel("Status");
    this.newCampaign = page.getByRole("link", { name: "New campaign" });
  }

  async goto(): Promise<void> {
    await this.page.goto("/app/ota/campaigns");
  }

  /** The row whose name link is exactly `name`. */
  row(name: string): Locator {
    return this.table.getByRole("row").filter({ has: this.page.getByRole("link", { name, exact: true }) });
  }

  /** The labels of a row's action buttons, in order. */
  async actionsIn(row: Locator): Promise<string[]> {
    return (await row.getByRole("button").allInnerTexts()).map((t) => t.trim());
  }

  abortDialog(name: string): Locator {
    return this.page.getByRole("dialog", { name: `Abort “${name}”?` });
  }
}
