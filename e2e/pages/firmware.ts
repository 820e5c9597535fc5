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

  /** Fills the dialog's upload form (it must be open) and sends it; the release signature fields only when given. */
  async upload(fields: {
    version: string;
    deviceType: string;
    name: string;
    buffer: Buffer;
    releaseSignature?: string;
    releaseKid?: string;
  }): Promise<void> {
    const dialog = this.addDialog;
    await dialog.getByLabel("Version").fill(fields.version);
    await dialog.getByLabel("Device type").fill(fields.deviceType);
    await dialog
      .getByLabel("Firmware file")
      .setInputFiles({ name: fields.name, mimeType: "application/octet-stream", buffer: fields.buffer });
    await this.sign(fields);
    await dialog.getByRole("button", { name: "Upload" }).click();
  }

  /** The open form's "Release signature" and "Release key ID" fields (either form), where given. */
  async sign(fields: { releaseSignature?: string; releaseKid?: string }): Promise<void> {
    if (fields.releaseSignature !== undefined) await this.releaseSignature.fill(fields.releaseSignature);
    if (fields.releaseKid !== undefined) await this.addDialog.getByLabel("Release key ID").fill(fields.releaseKid);
  }

  /** The open form's release signature field (labelled "(optional)" unless the tenant requires signatures). */
  get releaseSignature(): Locator {
    return this.addDialog.getByLabel("Release signature");
  }

  async delete(version: string): Promise<void> {
    await this.row(version)
      .getByRole("button", { name: `Delete ${version}` })
      .click();
    await this.confirm(`Delete firmware ${version}?`, "Delete firmware");
  }
}
