import { generateKeyPairSync } from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import type { DbHandle } from "@/lib/db/client";
import { devices } from "@/lib/db/schema";
import { deviceSecretMatches } from "@/lib/mqtt/identity";
import { expect, test } from "./fixtures";
import { CredentialsDialog, DevicePage, DevicesPage, downloaded } from "./pages/devices";
import { TrustPage } from "./pages/trust";
import { calmSnap, snap } from "./screenshot";

/**
 * Device trust from the operator's side: credentials shown once at registration, by CSV
 * import and on re-keying (each checked against the hash the server stored: the password
 * shown is the one that works); the signing keys' JWKS, two-step rotation and retirement; release
 * keys and "Require signed firmware"; and a viewer who sees all of it and can change none.
 */

const CSV_HEADER = "device_id,client_id,username,password";

/** The stored secret hashes of these devices. */
async function secretHashes(db: DbHandle, tenantId: string, ids: string[]): Promise<Map<string, string | null>> {
  const rows = await db.db
    .select({ id: devices.deviceId, hash: devices.mqttSecretHash })
    .from(devices)
    .where(and(eq(devices.tenantId, tenantId), inArray(devices.deviceId, ids)));
  return new Map(rows.map((r) => [r.id, r.hash]));
}

const csvLines = (text: string) => text.split(/\r?\n/).filter(Boolean);

test("registering a device shows its MQTT credentials once, as text and as a one-row CSV", async ({
  page,
  db,
  tenant,
  signIn,
}) => {
  const t = tenant.tenantId;
  await signIn(page, "operator");
  const fleet = new DevicesPage(page);
  await fleet.goto();
  const shown = await fleet.registerDevice({ id: "gate-001", type: "gateway", version: "1.0.0" });
  await expect(shown.dialog).toBeVisible();
  await expect(shown.dialog).toContainText("Shown once: store it now.");
  await expect(shown.value("Client ID")).toHaveText(`${t}:gate-001`);
  await expect(shown.value("Username")).toHaveText(`${t}:gate-001`);
  const password = (await shown.value("Password").textContent())!;
  expect(password).toMatch(/^[A-Za-z0-9_-]{43,}$/);
  expect(deviceSecretMatches(password, (await secretHashes(db, t, ["gate-001"])).get("gate-001")!)).toBe(true);
  for (const what of ["client ID", "username", "password"])
    await expect(shown.dialog.getByRole("button", { name: `Copy ${what}` })).toBeVisible();
  await expect(shown.dialog.getByRole("button", { name: "Copy JWKS" })).toBeVisible();
  await snap(page, "device-registered-credentials");

  const csv = await shown.downloadCsv();
  expect(csv.name).toBe("gate-001-credentials.csv");
  expect(csvLines(csv.text)).toEqual([CSV_HEADER, `gate-001,${t}:gate-001,${t}:gate-001,${password}`]);

  await shown.done();
  await expect(shown.dialog).toBeHidden();
  await expect(fleet.row("gate-001")).toBeVisible();
  // Once: nothing on the device's page shows the password again.
  const device = new DevicePage(page);
  await device.goto("gate-001");
  await expect(page.getByRole("definition").filter({ hasText: /^Issued / })).toBeVisible();
  await expect(page.getByText(password)).toHaveCount(0);
});

test("a CSV import is checked in the browser, registered whole, and answered with a CSV of credentials", async ({
  page,
  db,
  tenant,
  signIn,
}) => {
  const t = tenant.tenantId;
  await signIn(page, "operator");
  const fleet = new DevicesPage(page);
  await fleet.goto();

  // Problems are found before anything is sent, each with its line.
  await fleet.pickCsv("device_id,device_type\nline-01,meter\nbad/id,meter\nline-01,meter\n");
  const problems = fleet.importDialog.getByRole("list", { name: "Problems in the file" });
  await expect(problems).toContainText("Line 3: device_id “bad/id” must be 1-64 characters");
  await expect(problems).toContainText("Line 4: device_id “line-01” is also on line 2");
  await expect(fleet.importDialog.getByRole("button", { name: /^Import/ })).toBeDisabled();

  const ids = ["line-01", "line-02", "line-03"];
  await fleet.pickCsv(`device_id,device_type,fw_version\r\n${ids.map((id) => `${id},meter,2.0.0`).join("\r\n")}\r\n`);
  await expect(fleet.importDialog).toContainText("devices.csv: 3 devices ready to register");
  await fleet.importDialog.getByRole("button", { name: "Import 3 devices" }).click();
  await expect(fleet.importDialog).toHaveAccessibleName("Devices imported");
  await expect(fleet.importDialog).toContainText("3 devices registered");
  await expect(fleet.importDialog).toContainText("Shown once: store it now.");

  const file = await downloaded(page, () =>
    fleet.importDialog.getByRole("button", { name: "Download credentials.csv" }).click(),
  );
  expect(file.name).toBe("credentials.csv");
  const [header, ...rows] = csvLines(file.text);
  expect(header).toBe(CSV_HEADER);
  expect(rows).toHaveLength(3);
  const hashes = await secretHashes(db, t, ids);
  for (const [i, row] of rows.entries()) {
    const [id, clientId, username, password] = row.split(",");
    expect(id).toBe(ids[i]);
    expect([clientId, username]).toEqual([`${t}:${ids[i]}`, `${t}:${ids[i]}`]);
    expect(deviceSecretMatches(password!, hashes.get(id!)!)).toBe(true);
  }
  await fleet.importDialog.getByRole("button", { name: "Done" }).click();
  await expect(fleet.importDialog).toBeHidden();
  for (const id of ids) await expect(fleet.row(id)).toBeVisible();

  // All or nothing: one id already registered refuses the file, with the server's words.
  await fleet.pickCsv("device_id\nline-04\nline-02\n");
  await fleet.importDialog.getByRole("button", { name: "Import 2 devices" }).click();
  await expect(fleet.importDialog.getByRole("alert")).toContainText("Nothing was imported");
  await expect(fleet.importDialog.getByRole("alert")).toContainText("line-02");
  expect((await secretHashes(db, t, ["line-04"])).size).toBe(0);
});

test("issuing new credentials: confirmed, shown once, and the old password stops matching", async ({
  page,
  db,
  tenant,
  signIn,
}) => {
  const t = tenant.tenantId;
  await signIn(page, "operator");
  const created = await page.request.post("/customer/devices", { data: { device_id: "rekey-01" } });
  expect(created.status()).toBe(201);
  const old = ((await created.json()) as { mqtt: { password: string } }).mqtt.password;

  const device = new DevicePage(page);
  await device.goto("rekey-01");
  await page.getByRole("button", { name: "Issue new credentials" }).click();
  const confirm = page.getByRole("dialog", { name: "Issue new credentials to rekey-01?" });
  await expect(confirm).toContainText("stops working at once");
  await expect(confirm).toContainText("disconnects it");
  await confirm.getByRole("button", { name: "Issue new credentials" }).click();

  const shown = new CredentialsDialog(page, "New credentials for rekey-01");
  await expect(shown.dialog).toContainText("Shown once: store it now.");
  const fresh = (await shown.value("Password").textContent())!;
  expect(fresh).not.toBe(old);
  const hash = (await secretHashes(db, t, ["rekey-01"])).get("rekey-01")!;
  expect(deviceSecretMatches(fresh, hash)).toBe(true);
  expect(deviceSecretMatches(old, hash)).toBe(false);
  await shown.done();
  await expect(shown.dialog).toBeHidden();
});

test("the Device trust page: the JWKS, a two-step rotation and retirement, release keys, and requiring signed firmware", async ({
  page,
  signIn,
}) => {
  await signIn(page, "admin");
  const trust = new TrustPage(page);
  await trust.navigate("Device trust");
  await expect(trust.heading("Device trust", 1)).toBeVisible();
  await expect(trust.signingKeysSection).toContainText("Rotating the key takes three steps");
  await expect(trust.signingKeysSection).toContainText("Give your devices the new JWKS");

  // The signing keys are the JWKS the API serves, the active key first.
  await expect(trust.signingKeys.getByRole("row")).toHaveCount(2);
  const jwks = async () =>
    (await (await page.request.get("/customer/ota/signing-keys")).json()) as { keys: { kid: string }[] };
  const api = await jwks();
  expect(await trust.shownJwks()).toEqual(api);
  const first = api.keys[0]!.kid;
  await expect(trust.signingKeyRow(first)).toContainText("Active: signs commands");
  await expect(page.getByRole("button", { name: "Copy JWKS" })).toBeVisible();
  // The only key signs: it can be neither activated again nor retired.
  await expect(trust.signingKeys.getByRole("button", { name: /^(Activate|Retire)/ })).toHaveCount(0);

  // Step 1: a staged key joins the JWKS (devices given it from now on trust it) but does not sign.
  await trust.stage.click();
  await expect(trust.signingKeys.getByRole("row")).toHaveCount(3);
  const staged = (await jwks()).keys.map((k) => k.kid).find((kid) => kid !== first)!;
  await expect(trust.toast(`Key ${staged} staged: give devices the new JWKS, then activate it`)).toBeVisible();
  await expect(trust.signingKeyRow(staged)).toContainText("Staged: not signing yet");
  await expect(trust.signingKeyRow(first)).toContainText("Active: signs commands");
  expect((await jwks()).keys.map((k) => k.kid)).toEqual([first, staged]);
  expect(await trust.shownJwks()).toEqual(await jwks());
  // The active key cannot go while the other is only staged: the fleet does not trust that one yet.
  await expect(trust.signingKeyRow(first).getByRole("button", { name: /^Retire/ })).toHaveCount(0);
  await expect(trust.signingKeyRow(staged).getByRole("button", { name: `Retire key ${staged}` })).toBeVisible();
  await calmSnap(page, "device-trust-staged-key", () =>
    expect(trust.signingKeyRow(staged).getByRole("button", { name: `Activate key ${staged}` })).toBeVisible(),
  );

  // Step 3 (step 2 is the operator's: the devices get the JWKS): the staged key signs from now on.
  await trust.activate(staged);
  await expect(trust.toast(`Signing key ${staged} is active`)).toBeVisible();
  await expect(trust.signingKeyRow(staged)).toContainText("Active: signs commands");
  await expect(trust.signingKeyRow(first)).toContainText("Previous: verifies what it signed until retired");
  await expect(trust.signingKeys.getByRole("row").nth(1)).toContainText(staged);
  const status = (await (await page.request.get("/customer/ota/signing-keys/status")).json()) as {
    keys: { kid: string; status: string }[];
  };
  expect(status.keys.map((k) => [k.kid, k.status])).toEqual([
    [staged, "active"],
    [first, "previous"],
  ]);

  // Then the old key is retired: it leaves the JWKS.
  await trust.retireSigningKey(first);
  await expect(trust.signingKeys.getByRole("row")).toHaveCount(2);
  await expect(trust.signingKeys).not.toContainText(first);
  expect((await jwks()).keys.map((k) => k.kid)).toEqual([staged]);

  // Requiring signed firmware needs a release key first: the server's 409 is shown.
  await expect(trust.requireSigned).toHaveAttribute("aria-checked", "false");
  await trust.requireSigned.click();
  await expect(page.getByRole("alert").filter({ hasText: "Register a release key first" })).toBeVisible();
  await expect(trust.requireSigned).toHaveAttribute("aria-checked", "false");

  // A private key is refused with the server's reason; the public half is added.
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  await trust.addKey("Leaked by mistake", JSON.stringify(privateKey.export({ format: "jwk" })));
  await expect(trust.addDialog.getByText(/is a private key/)).toBeVisible();
  await trust.addKey("CI release key", JSON.stringify(publicKey.export({ format: "jwk" })));
  await expect(trust.addDialog).toBeHidden();
  await expect(trust.releaseKeyRow("CI release key")).toContainText("Active");
  const pem = generateKeyPairSync("ed25519").publicKey.export({ format: "pem", type: "spki" }).toString();
  await trust.addKey("Backup key (PEM)", pem);
  await expect(trust.releaseKeyRow("Backup key (PEM)")).toContainText("Active");

  await trust.requireSigned.click();
  await expect(trust.requireSigned).toHaveAttribute("aria-checked", "true");
  await expect(trust.toast("Signed firmware is now required")).toBeVisible();
  await page.reload();
  await expect(trust.requireSigned).toHaveAttribute("aria-checked", "true");

  await trust.releaseKeyRow("Backup key (PEM)").getByRole("button", { name: "Retire Backup key (PEM)" }).click();
  await trust.confirm("Retire release key Backup key (PEM)?", "Retire key");
  await expect(trust.releaseKeyRow("Backup key (PEM)")).toContainText("Retired");
  await expect(trust.releaseKeyRow("Backup key (PEM)").getByRole("button", { name: /^Retire/ })).toHaveCount(0);
  await page.reload();
  await expect(trust.releaseKeyRow("CI release key")).toBeVisible();
  await snap(page, "device-trust");
});

test("a viewer sees device trust but can change none of it, nor register, import or re-key devices", async ({
  page,
  signIn,
}) => {
  // An admin's session arranges a staged key, so that activating and retiring would be possible.
  await signIn(page, "admin");
  // The first read creates the tenant's key; staging adds a second.
  expect((await page.request.get("/customer/ota/signing-keys")).status()).toBe(200);
  expect((await page.request.post("/customer/ota/signing-keys")).status()).toBe(201);
  expect((await page.request.post("/customer/devices", { data: { device_id: "seen-01" } })).status()).toBe(201);
  await page.context().clearCookies();
  await signIn(page, "viewer");

  const trust = new TrustPage(page);
  await trust.goto();
  await expect(trust.signingKeys.getByRole("row")).toHaveCount(3);
  await expect(trust.signingKeys).toContainText("Staged: not signing yet");
  await expect(page.getByRole("button", { name: "Copy JWKS" })).toBeVisible();
  await expect(page.getByRole("button", { name: /^(Stage|Activate|Retire|Add release key)/ })).toHaveCount(0);
  await expect(trust.requireSigned).toBeDisabled();
  await expect(page.getByText("Only an admin can change this.")).toBeVisible();

  const fleet = new DevicesPage(page);
  await fleet.goto();
  await expect(fleet.row("seen-01")).toBeVisible();
  await expect(fleet.importButton).toHaveCount(0);
  await new DevicePage(page).goto("seen-01");
  await expect(page.getByRole("definition").filter({ hasText: /^Issued / })).toBeVisible();
  await expect(page.getByRole("button", { name: "Issue new credentials" })).toHaveCount(0);
});
