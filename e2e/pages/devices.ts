import type { Locator, Page } from "@playwright/test";
import { AppPage } from "./app-page";

/** /app/devices: the fleet, its filters and the "Register device" dialog. */
export class DevicesPage extends AppPage {
  readonly table: Locator;
  readonly register: Locator;
  readonly registerDialog: Locator;
  readonly clearFilters: Locator;
  /** By role and exact name: a label match on "Group" also finds a group page's buttons while the page changes. */
  readonly groupFilter: Locator;

  constructor(page: Page) {
    super(page);
    this.table = page.getByRole("table", { name: "Devices" });
    this.register = page.getByRole("button", { name: "Register device" });
    this.registerDialog = page.getByRole("dialog", { name: "Register device" });
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

  async delete(deviceId: string): Promise<void> {
    await this.page.getByRole("button", { name: "Delete device" }).click();
    await this.confirm(`Delete device ${deviceId}?`, "Delete device");
  }
}
