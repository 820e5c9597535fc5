import { readFile } from "node:fs/promises";
import type { Locator, Page } from "@playwright/test";
import { AppPage } from "./app-page";

/** The file the browser saved when `click` was done, with its name and text. */
export async function downloaded(page: Page, click: () => Promise<void>): Promise<{ name: string; text: string }> {
  const [download] = await Promise.all([page.waitForEvent("download"), click()]);
  return { name: download.suggestedFilename(), text: await readFile((await download.path())!, "utf8") };
}

/** The dialog that shows a device's new MQTT credentials once (after registration or re-keying). */
export class CredentialsDialog {
  readonly dialog: Locator;

  constructor(
    readonly page: Page,
    title: string,
  ) {
    this.dialog = page.getByRole("dialog", { name: title });
  }

  /** A credential's value, by its term ("Client ID", "Username", "Password"). */
  value(term: "Client ID" | "Username" | "Password"): Locator {
    return this.dialog.getByRole("term").filter({ hasText: term }).locator("xpath=following-sibling::dd[1]//code");
  }

  downloadCsv(): Promise<{ name: string; text: string }> {
    return downloaded(this.page, () => this.dialog.getByRole("button", { name: "Download CSV" }).click());
  }

  async done(): Promise<void> {
    await this.dialog.getByRole("button", { name: "Done" }).click();
  }
}

/** /app/devices: the fleet, its filters, and the "Register device" and "Import devices (CSV)" dialogs. */
export class DevicesPage extends AppPage {
  readonly table: Locator;
  readonly register: Locator;
  readonly registerDialog: Locator;
  readonly importButton: Locator;
  readonly importDialog: Locator;
  readonly clearFilters: Locator;
  /** By role and exact name: a label match on "Group" also finds a group page's buttons while the page changes. */
  readonly groupFilter: Locator;

  constructor(page: Page) {
    super(page);
    this.table = page.getByRole("table", { name: "Devices" });
    this.register = page.getByRole("button", { name: "Register device" });
    this.registerDialog = page.getByRole("dialog", { name: "Register device" });
    this.importButton = page.getByRole("button", { name: "Import devices (CSV)" });
    this.importDialog = page.getByRole("dialog", { name: /^(Import devices from CSV|Devices imported)$/ });
    this.clearFilters = page.getByRole("button", { name: "Clear filters" });
    this.groupFilter = page.getByRole("combobox", { name: "Group", exact: true });
  }

  async goto(): Promise<void> {
    await this.page.goto("/app/devices");
  }

  row(deviceId: string): Locator {
    return this.table.getByRole("row").filter({ hasText: deviceId });
  }

  filter(label: "Device type" | "Firmware version"): Locator {
    return this.page.getByLabel(label);
  }

  /** Registers a device through the dialog and returns the dialog that shows its credentials. */
  async registerDevice(fields: { id: string; type?: string; version?: string }): Promise<CredentialsDialog> {
    await this.register.click();
    const d = this.registerDialog;
    await d.getByLabel("Device ID").fill(fields.id);
    if (fields.type) await d.getByLabel("Device type").fill(fields.type);
    if (fields.version) await d.getByLabel("Firmware version").fill(fields.version);
    await d.getByRole("button", { name: "Register", exact: true }).click();
    return new CredentialsDialog(this.page, `Device ${fields.id} registered`);
  }

  /** Opens the import dialog (if it is not open) and picks a CSV file with this text. */
  async pickCsv(text: string, name = "devices.csv"): Promise<void> {
    if (!(await this.importDialog.isVisible())) await this.importButton.click();
    await this.importDialog
      .getByLabel("CSV file")
      .setInputFiles({ name, mimeType: "text/csv", buffer: Buffer.from(text, "utf8") });
  }
}

/** /app/devices/{id}: a device's facts and its OTA history. */
export class DevicePage extends AppPage {
  readonly facts: Locator;
  readonly history: Locator;

  constructor(page: Page) {
    super(page);
    this.facts = page.getByRole("definition");
    this.history = page.getByRole("table", { name: "OTA history" });
  }

  async goto(deviceId: string): Promise<void> {
    await this.page.goto(`/app/devices/${deviceId}`);
  }

  /** The value of one fact, found by its term (not by position: facts are added over time). */
  fact(term: string): Locator {
    return this.page
      .getByLabel("Device details")
      .locator("div")
      .filter({ has: this.page.getByRole("term").getByText(term, { exact: true }) })
      .getByRole("definition");
  }

  async delete(deviceId: string): Promise<void> {
    await this.page.getByRole("button", { name: "Delete device" }).click();
    await this.confirm(`Delete device ${deviceId}?`, "Delete device");
  }
}
