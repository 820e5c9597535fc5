import type { Locator, Page } from "@playwright/test";
import { AppPage } from "./app-page";

/** /app/groups: the groups and the "Create group" dialog. */
export class GroupsPage extends AppPage {
  readonly table: Locator;
  readonly createDialog: Locator;

  constructor(page: Page) {
    super(page);
    this.table = page.getByRole("table", { name: "Groups" });
    this.createDialog = page.getByRole("dialog", { name: "Create group" });
  }

  async goto(): Promise<void> {
    await this.page.goto("/app/groups");
  }

  row(groupId: string): Locator {
    return this.table.getByRole("row").filter({ hasText: groupId });
  }

  async create(fields: { id: string; name: string; description?: string }): Promise<void> {
    await this.page.getByRole("button", { name: "Create group" }).click();
    await this.createDialog.getByLabel("Group ID").fill(fields.id);
    await this.createDialog.getByLabel("Name").fill(fields.name);
    if (fields.description !== undefined) await this.createDialog.getByLabel("Description").fill(fields.description);
    await this.createDialog.getByRole("button", { name: "Create" }).click();
  }

  async delete(name: string): Promise<void> {
    await this.table.getByRole("button", { name: `Delete group ${name}` }).click();
    await this.confirm(`Delete group ${name}?`, "Delete group");
  }
}

/** /app/groups/{id}: a group's members and the "Add members" dialog. */
export class GroupPage extends AppPage {
  readonly addMembers: Locator;

  constructor(page: Page) {
    super(page);
    this.addMembers = page.getByRole("button", { name: "Add members" });
  }

  async goto(groupId: string): Promise<void> {
    await this.page.goto(`/app/groups/${groupId}`);
  }

  members(name: string): Locator {
    return this.page.getByRole("table", { name: `Members of ${name}` });
  }

  addDialog(name: string): Locator {
    return this.page.getByRole("dialog", { name: `Add members to ${name}` });
  }
}
