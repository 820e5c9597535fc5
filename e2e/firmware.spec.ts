import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { firmwareVersions, otaCampaigns } from "@/lib/db/schema";
import { expect, test } from "./fixtures";
import { FirmwarePage } from "./pages/firmware";
import { seedFirmware } from "./seed";
import { snap } from "./screenshot";

/** The firmware library: upload with progress, register by URL, filter, copy, delete; release signatures. */

const sha256Hex = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
/** What `npm run sign-firmware` does: Ed25519 over the 64 lowercase hex characters of the SHA-256, as ASCII; base64url. */
const releaseSign = (privateKey: KeyObject, sha: string) =>
  sign(null, Buffer.from(sha, "ascii"), privateKey).toString("base64url");

test("an operator uploads firmware, sees the server's checksum, registers one by URL and deletes one", async ({
  page,
  db,
  tenant,
  signIn,
}) => {
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  await signIn(page, "operator");
  const library = new FirmwarePage(page);
  await library.navigate("Firmware");
  await expect(library.heading("Firmware")).toBeVisible();
  await expect(page.getByText("No firmware yet")).toBeVisible();

  // Upload a binary, slowly enough (throttled) to watch the progress bar move.
  const binary = randomBytes(768 * 1024);
  const sha = createHash("sha256").update(binary).digest("hex");
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 20,
    downloadThroughput: -1,
    uploadThroughput: 384 * 1024,
  });

  await library.add.click();
  const dialog = library.addDialog;
  await expect(dialog.getByRole("radio", { name: "Upload a file" })).toBeChecked();
  await dialog.getByLabel("Version").fill("2.1.0");
  await dialog.getByLabel("Device type").fill("sensor-v2");
  await dialog.getByLabel("Description").fill("Faster boot, fixes the Wi-Fi reconnect loop");
  await dialog
    .getByLabel("Firmware file")
    .setInputFiles({ name: "sensor-2.1.0.bin", mimeType: "application/octet-stream", buffer: binary });
  await snap(page, "firmware-add-dialog-form");
  await dialog.getByRole("button", { name: "Upload" }).click();
  const bar = dialog.getByRole("progressbar", { name: "Upload progress" });
  await expect(bar).toBeVisible();
  await expect
    .poll(async () => Number(await bar.getAttribute("aria-valuenow", { timeout: 1000 }).catch(() => "100")))
    .toBeGreaterThan(0);

  // The server's checksum, in full, equals the one computed here.
  await expect(dialog.getByText("Firmware 2.1.0 is in the library.")).toBeVisible({ timeout: 20_000 });
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: -1,
  });
  await expect(dialog.getByLabel("SHA-256", { exact: true })).toHaveText(sha);
  await expect(dialog).toContainText("768 KiB");
  await expect(dialog).toContainText(/786.432 bytes/);
  await snap(page, "firmware-add-dialog");
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(dialog).toBeHidden();

  const row = library.row("2.1.0");
  await expect(row).toContainText("sensor-v2");
  await expect(row).toContainText("768 KiB");
  await expect(row).toContainText(sha.slice(0, 12));
  await row.getByRole("button", { name: "Copy SHA-256 of 2.1.0" }).click();
  await expect(library.toast("SHA-256 of 2.1.0 copied")).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(sha);

  // The same version for the same device type again: refused, and said beside the version.
  await library.add.click();
  await library.upload({ version: "2.1.0", deviceType: "sensor-v2", name: "again.bin", buffer: Buffer.from("again") });
  await expect(dialog.getByText("Firmware version already exists for this device type")).toBeVisible();
  await expect(dialog.getByLabel("Version")).toHaveAttribute("aria-invalid", "true");

  // Register one hosted elsewhere, in the same dialog.
  await dialog.getByText("Register a URL").click();
  await dialog.getByLabel("Version").fill("2.2.0-beta");
  await dialog.getByLabel("Device type").fill("sensor-v2");
  await dialog.getByLabel("Download URL").fill("https://downloads.example.com/sensor-2.2.0-beta.bin");
  const declared = "cd".repeat(32);
  await dialog.getByLabel("SHA-256 (optional)").fill(declared.toUpperCase());
  await dialog.getByLabel("Size in bytes (optional)").fill("1048576");
  await dialog.getByRole("button", { name: "Register" }).click();
  await expect(dialog.getByText("Firmware 2.2.0-beta is in the library.")).toBeVisible();
  await expect(dialog.getByLabel("SHA-256", { exact: true })).toHaveText(declared);
  await expect(dialog).toContainText("1.0 MiB");
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(library.row("2.2.0-beta")).toContainText("1.0 MiB");

  // A third one, for another device type, then the filter.
  await seedFirmware(db, tenant.tenantId, "5.0.1", "gateway");
  await page.reload();
  await expect(library.table.getByRole("row")).toHaveCount(4);
  await snap(page, "firmware-library");
  await library.deviceTypeFilter.fill("gateway");
  await expect(library.table.getByRole("row")).toHaveCount(2);
  await expect(library.table).toContainText("5.0.1");
  await library.deviceTypeFilter.fill("");
  await expect(library.table.getByRole("row")).toHaveCount(4);

  // A version a campaign refers to cannot be deleted: the API's reason is shown.
  const [uploaded] = await db.db
    .select()
    .from(firmwareVersions)
    .where(and(eq(firmwareVersions.tenantId, tenant.tenantId), eq(firmwareVersions.version, "2.1.0")));
  const [campaign] = await db.db
    .insert(otaCampaigns)
    .values({ tenantId: tenant.tenantId, name: "Uses 2.1.0", firmwareVersionId: uploaded!.id, targetGroupId: "all" })
    .returning();
  await library.delete("2.1.0");
  await expect(library.toast(`Firmware is used by campaign ${campaign!.id}`)).toBeVisible();
  await expect(row).toBeVisible();

  // One that nothing uses goes.
  await library.delete("2.2.0-beta");
  await expect(library.toast("Firmware 2.2.0-beta deleted")).toBeVisible();
  await expect(library.row("2.2.0-beta")).toHaveCount(0);
  await expect(library.table.getByRole("row")).toHaveCount(3);
});

test("with signed firmware required, unsigned firmware is refused at the signature field and signed firmware is added", async ({
  page,
  signIn,
}) => {
  await signIn(page, "admin");
  // The operator's build pipeline key; its public half registered, and signatures required, through the API.
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const registered = await page.request.post("/customer/ota/release-keys", {
    data: { name: "e2e pipeline", public_key: publicKey.export({ format: "jwk" }) },
  });
  expect(registered.status()).toBe(201);
  const { kid } = (await registered.json()) as { kid: string };
  const required = await page.request.patch("/customer/ota/settings", { data: { require_signed_firmware: true } });
  expect(required.status()).toBe(200);

  const library = new FirmwarePage(page);
  await library.navigate("Firmware");
  await library.add.click();
  const dialog = library.addDialog;
  await expect(library.releaseSignature).toHaveAccessibleDescription(/^This tenant requires signed firmware/);

  // No signature: the server's 422, beside the signature field.
  const binary = randomBytes(64 * 1024);
  const sha = sha256Hex(binary);
  await library.upload({ version: "4.0.0", deviceType: "signed", name: "fw-4.0.0.bin", buffer: binary });
  await expect(library.releaseSignature).toHaveAttribute("aria-invalid", "true");
  await expect(library.releaseSignature).toHaveAccessibleDescription(
    /^this tenant requires signed firmware: give release_signature/,
  );

  // Signed over another image's hash: it does not verify, and the field says so.
  await library.sign({ releaseSignature: releaseSign(privateKey, sha256Hex(Buffer.from("another image"))) });
  await dialog.getByRole("button", { name: "Upload" }).click();
  await expect(library.releaseSignature).toHaveAccessibleDescription(
    "release signature does not verify against any release key",
  );

  // Signed by the pipeline's key over this image's SHA-256: added, and recorded with the key that verified it.
  await library.sign({ releaseSignature: releaseSign(privateKey, sha), releaseKid: kid });
  await dialog.getByRole("button", { name: "Upload" }).click();
  await expect(dialog.getByText("Firmware 4.0.0 is in the library.")).toBeVisible({ timeout: 20_000 });
  await dialog.getByRole("button", { name: "Done" }).click();

  // By URL: the signature signs the declared SHA-256, which must then be given.
  const hosted = sha256Hex(Buffer.from("hosted elsewhere"));
  await library.add.click();
  await dialog.getByText("Register a URL").click();
  await dialog.getByLabel("Version").fill("4.0.1");
  await dialog.getByLabel("Device type").fill("signed");
  await dialog.getByLabel("Download URL").fill("https://downloads.example.com/fw-4.0.1.bin");
  await library.sign({ releaseSignature: releaseSign(privateKey, hosted) });
  await dialog.getByRole("button", { name: "Register" }).click();
  await expect(dialog.getByLabel("SHA-256 (optional)")).toHaveAccessibleDescription(
    "is required with a release_signature: the signature signs the image's SHA-256",
  );
  await dialog.getByLabel("SHA-256 (optional)").fill(hosted);
  await dialog.getByRole("button", { name: "Register" }).click();
  await expect(dialog.getByText("Firmware 4.0.1 is in the library.")).toBeVisible();
  await dialog.getByRole("button", { name: "Done" }).click();

  const list = (await (await page.request.get("/customer/firmware")).json()) as {
    firmware_versions: { version: string; checksum_sha256: string; release_signature: string; release_kid: string }[];
  };
  const byVersion = new Map(list.firmware_versions.map((f) => [f.version, f]));
  expect(byVersion.get("4.0.0")).toMatchObject({ checksum_sha256: sha, release_kid: kid });
  expect(byVersion.get("4.0.0")!.release_signature).toBe(releaseSign(privateKey, sha));
  expect(byVersion.get("4.0.1")).toMatchObject({ checksum_sha256: hosted, release_kid: kid });
  await expect(library.table.getByRole("row")).toHaveCount(3);
});
