import type { Locator, Page } from "@playwright/test";
import { AppPage } from "./app-page";

/** /app/ota/firmware: the library and its "Add firmware" dialog. */
export class FirmwarePage extends AppPage {
  readonly table: Locator;
  readonly add: Locator;
  readonly addDialog: Locator;
  readonly deviceTypeFilter: Locator;

  constructor(page: Page) {
    super(page);
    this.table = page.getByRole("table", { name: "Firmware library" });
    this.add = page.getByRole("button", { name: "Add firmware" });
    this.addDialog = page.getByRole("dialog", { name: "Add firmware" });
    this.deviceTypeFilter = page.getByLabel("Device type");
  }

  async goto(): Promise<void> {
    await this.page.goto("/app/ota/firmware");
  }

  row(version: string): Locator {
    return this.table.getByRole("row").filter({ hasText: version });
  }

  /** Fills the dialog's upload form (it must be open) and sends it. */
  async upload(fields: { version: string; deviceType: string; name: string; buffer: Buffer }): Promise<void> {
    const dialog = this.addDialog;
    await dialog.getByLabel("Version").fill(fields.version);
    await dialog.getByLabel("Device type").fill(fields.deviceType);
    await dialog
      .getByLabel("Firmware file")
      .setInputFiles({ name: fields.name, mimeType: "application/octet-stream", buffer: fields.buffer });
    await dialog.getByRole("button", { name: "Upload" }).click();
  }

  async delete(version: string): Promise<void> {
    await this.row(version)
      .getByRole("button", { name: `Delete ${version}` })
      .click();
    await this.confirm(`Delete firmware ${version}?`, "Delete firmware");
  }
}
