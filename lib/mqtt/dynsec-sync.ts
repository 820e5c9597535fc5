import type { Sql } from "postgres";
import {
  DEVICE_MARK,
  deviceAcls,
  deviceRoleName,
  ensureServiceSetup,
  parseDeviceTextname,
  sameAcls,
  type Dynsec,
  type DynsecAcl,
  type DynsecCommand,
} from "./dynsec";
import { deviceMqttIdentity, parseDeviceMqttIdentity } from "./identity";

/**
 * `npm run mqtt:sync`: brings Mosquitto's dynamic security back in line with the registry
 * (the database) after anything that made them differ: a registration whose commit failed
 * after the broker was told, a broker restored from an old backup, a hand edit.
 *
 * It touches only what Flotilla made (clients whose textname carries DEVICE_MARK, roles named
 * `device:{tenant}:{device}`), the service role and the default access. Passwords exist only as
 * hashes in the database, so a missing or stale account cannot be restored: a stale one is
 * disabled (its password is not the one the registry knows) and both are listed as needing new
 * credentials (`POST /customer/devices/{id}/credentials`).
 */
export interface SyncReport {
  /** Commands that put the service role or the default access right (none when they were). */
  serviceChanges: string[];
  /** Devices with credentials in the registry, and how many of those the broker has right. */
  devices: number;
  ok: number;
  /** Clients whose role, client id or enabled state was put right. */
  repaired: string[];
  removedClients: string[];
  removedRoles: string[];
  /** Stale clients disabled by this run. */
  disabled: string[];
  needCredentials: { tenantId: string; deviceId: string; reason: "missing" | "stale" }[];
}

export interface SyncOptions {
  sql: Sql;
  dynsec: Dynsec;
  serviceUsername: string | undefined;
  /**
   * A client whose device is not (yet) in the registry is removed only once it is this old
   * (default 15 minutes): a registration provisions before it commits, so a young one may be
   * a registration still in flight.
   */
  orphanGraceMs?: number;
  log?: (line: string) => void;
}

interface BrokerClient {
  username: string;
  clientid?: string;
  textname?: string;
  disabled?: boolean;
  roles?: { rolename: string }[];
}
interface BrokerRole {
  rolename: string;
  acls?: DynsecAcl[];
}

const PAGE = 5000;

export async function syncDynsec(opts: SyncOptions): Promise<SyncReport> {
  const { sql, dynsec } = opts;
  const log = opts.log ?? (() => {});
  const grace = opts.orphanGraceMs ?? 15 * 60_000;
  const report: SyncReport = {
    serviceChanges: await ensureServiceSetup(dynsec, opts.serviceUsername),
    devices: 0,
    ok: 0,
    repaired: [],
    removedClients: [],
    removedRoles: [],
    disabled: [],
    needCredentials: [],
  };

  // The broker first, then the registry: see `stale` below for what a re-key in between does.
  const all = await list<BrokerClient>(dynsec, "listClients", "clients");
  const clients = all.filter((c) => c.textname?.startsWith(DEVICE_MARK) && parseDeviceMqttIdentity(c.username));
  const roles = new Map((await list<BrokerRole>(dynsec, "listRoles", "roles")).map((r) => [r.rolename, r]));
  const rows = await sql<{ tenant_id: string; device_id: string; mqtt_secret_hash: string | null }[]>`
    SELECT tenant_id, device_id, mqtt_secret_hash FROM devices`;
  const registry = new Map(rows.map((r) => [deviceMqttIdentity(r.tenant_id, r.device_id), r.mqtt_secret_hash]));
  log(`broker: ${clients.length} device clients, ${roles.size} roles; registry: ${rows.length} devices`);

  const commands: DynsecCommand[] = [];
  const orphans: string[] = [];
  const stale: BrokerClient[] = [];
  // Roles stay while a client of that name does (one Flotilla did not make included).
  const kept = new Set(all.filter((c) => !c.textname?.startsWith(DEVICE_MARK)).map((c) => c.username));
  const now = Date.now();
  for (const c of clients) {
    const hash = registry.get(c.username);
    const mark = parseDeviceTextname(c.textname);
    if (!hash) {
      // Not registered, or its credentials were withdrawn: an account nobody should hold.
      if (!mark || now - mark.issuedAt >= grace) orphans.push(c.username);
      else kept.add(c.username);
      continue;
    }
    kept.add(c.username);
    if (mark?.fingerprint !== hash.slice(0, 16)) {
      stale.push(c);
      continue;
    }
    const fixes = repairs(c, roles.get(roleOf(c.username)));
    if (fixes.length > 0) report.repaired.push(c.username);
    commands.push(...fixes);
  }
  for (const username of orphans) {
    commands.push({ command: "deleteClient", username }, { command: "deleteRole", rolename: roleOf(username) });
    report.removedClients.push(username);
    roles.delete(roleOf(username));
  }
  for (const rolename of roles.keys()) {
    const username = rolename.startsWith("device:") ? rolename.slice("device:".length) : "";
    if (!parseDeviceMqttIdentity(username) || kept.has(username)) continue;
    commands.push({ command: "deleteRole", rolename });
    report.removedRoles.push(rolename);
  }
  await dynsec.runOrThrow(commands, ["Client not found", "Role not found"]);

  const onBroker = new Set(clients.map((c) => c.username));
  for (const r of rows) {
    if (!r.mqtt_secret_hash) continue;
    report.devices++;
    if (!onBroker.has(deviceMqttIdentity(r.tenant_id, r.device_id))) {
      report.needCredentials.push({ tenantId: r.tenant_id, deviceId: r.device_id, reason: "missing" });
    }
  }
  await disableStale(opts, stale, report);
  report.ok = report.devices - report.needCredentials.length;
  return report;
}

const roleOf = (username: string) => {
  const id = parseDeviceMqttIdentity(username)!;
  return deviceRoleName(id.tenantId, id.deviceId);
};

/** What puts a current device client right: its role with exactly its ACLs, its client id, enabled. */
function repairs(c: BrokerClient, role: BrokerRole | undefined): DynsecCommand[] {
  const id = parseDeviceMqttIdentity(c.username)!;
  const rolename = roleOf(c.username);
  const acls = deviceAcls(id.tenantId, id.deviceId);
  const out: DynsecCommand[] = [];
  if (!role) out.push({ command: "createRole", rolename, textname: DEVICE_MARK, acls });
  else if (!sameAcls(role.acls ?? [], acls)) out.push({ command: "modifyRole", rolename, acls });
  const roles = c.roles ?? [];
  if (c.clientid !== c.username || roles.length !== 1 || roles[0]!.rolename !== rolename) {
    out.push({ command: "modifyClient", username: c.username, clientid: c.username, roles: [{ rolename }] });
  }
  if (c.disabled) out.push({ command: "enableClient", username: c.username });
  return out;
}

/**
 * A client whose secret is not the registry's. A re-key provisions the broker and then commits,
 * holding its device row locked from its UPDATE to its commit; so under a lock on those rows,
 * taken here, no re-key is half done, and the broker and the registry are compared again before
 * anything is disabled: a re-key that raced with this run is never undone.
 */
async function disableStale(opts: SyncOptions, stale: BrokerClient[], report: SyncReport): Promise<void> {
  if (stale.length === 0) return;
  const ids = stale.map((c) => parseDeviceMqttIdentity(c.username)!);
  await opts.sql.begin(async (tx) => {
    const rows = await tx<{ tenant_id: string; device_id: string; mqtt_secret_hash: string | null }[]>`
      SELECT d.tenant_id, d.device_id, d.mqtt_secret_hash
      FROM devices d
      JOIN unnest(${ids.map((i) => i.tenantId)}::text[], ${ids.map((i) => i.deviceId)}::text[]) AS v(tenant_id, device_id)
        ON d.tenant_id = v.tenant_id AND d.device_id = v.device_id
      ORDER BY d.tenant_id, d.device_id
      FOR UPDATE OF d`;
    const hashes = new Map(rows.map((r) => [deviceMqttIdentity(r.tenant_id, r.device_id), r.mqtt_secret_hash]));
    const now = await opts.dynsec.runOrThrow(
      stale.map((c) => ({ command: "getClient", username: c.username })),
      ["Client not found"],
    );
    const disable: DynsecCommand[] = [];
    stale.forEach((c, i) => {
      const client = now[i]!.data?.client as BrokerClient | undefined;
      const hash = hashes.get(c.username);
      if (!client || !hash) return; // removed or withdrawn meanwhile: the next run sees it as such
      if (parseDeviceTextname(client.textname)?.fingerprint === hash.slice(0, 16)) return; // re-keyed meanwhile
      const id = parseDeviceMqttIdentity(c.username)!;
      report.needCredentials.push({ ...id, reason: "stale" });
      if (!client.disabled) {
        disable.push({ command: "disableClient", username: c.username });
        report.disabled.push(c.username);
      }
    });
    await opts.dynsec.runOrThrow(disable);
  });
}

/** Every entry of a dynsec list, page by page (reads: they cost the broker no file write). */
async function list<T>(dynsec: Dynsec, command: string, field: string): Promise<T[]> {
  const out: T[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const [r] = await dynsec.runOrThrow([{ command, verbose: true, count: PAGE, offset }]);
    const page = (r!.data?.[field] as T[] | undefined) ?? [];
    out.push(...page);
    if (page.length < PAGE || out.length >= Number(r!.data?.totalCount ?? 0)) return out;
  }
}
