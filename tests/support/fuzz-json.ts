/**
 * JSON and form bodies for the fuzz: per route, a well-formed template that the arranged
 * data still refuses, the values each field must refuse, and generators that mix them
 * with junk and random JSON.
 */
import { Credentials } from "@/lib/auth/login";
import {
  BULK_MAX_DEVICES,
  CampaignCreate,
  CampaignPreviewBody,
  DeviceBulkCreate,
  DeviceCreate,
  FirmwareCreate,
  GroupCreate,
  MembersAdd,
  OtaSettingsUpdate,
  ReleaseKeyCreate,
} from "@/lib/ota/schemas";
import { MqttAclRequest, MqttAuthRequest } from "@/lib/mqtt/hooks";
import { deviceMqttIdentity } from "@/lib/mqtt/identity";
import { statusTopic } from "@/lib/rollout/protocol";
import { a, A_DEVICES, A_GROUP, b, B_DEVICE, ids, releaseKeyA } from "./fuzz-arrange";
import { JUNK_BODIES } from "./fuzz-inputs";
import type { Rng } from "./fuzz-rng";
import { enc, type Body } from "./fuzz-send";

export type BodySpec = {
  schema: { safeParse: (v: unknown) => { success: boolean } };
  /** A well-formed body that is still refused (it names an existing or unknown thing). */
  template: Record<string, unknown>;
  /** Per field, values the schema must refuse. */
  invalid: Record<string, unknown[]>;
  /** Non-key free-text fields: unicode and NUL go here, on top of the template. */
  freeText: string[];
};

const NOT_STRING = [123, -1, 0, 1.5, true, false, [], ["x"], {}, { $ne: null }];
const BAD_IDENT = [
  ...NOT_STRING,
  null,
  "",
  " ",
  "a b",
  "../x",
  "a/b",
  "x".repeat(65),
  "é",
  "💥",
  "a\u0000b",
  "1;DROP TABLE devices",
  "' OR '1'='1",
  "%2e%2e",
  "\n",
];
/** An MQTT string the hooks must refuse (not a string, or over 65,535 characters). */
const BAD_MQTT_STRING = [...NOT_STRING, "x".repeat(65_536)];
const requiredText = (max: number) => [...NOT_STRING, null, "", "   ", "\t\n", "x".repeat(max + 1)];
const optionalText = (max: number) => [...NOT_STRING, "", "   ", "x".repeat(max + 1)];
/** A free-text value for a field; file_url keeps the shape of a URL around it. */
export const freeValue = (field: string, v: string) => (field === "file_url" ? `https://example.test/${v}` : v);
const FREE_TEXT = [
  "a\u0000b",
  "\u0000",
  "💥\u202e\ud800",
  "\uffff\ufffe",
  "é".repeat(40),
  "'; DROP TABLE devices; --",
  "%00",
  "\\x00",
];

export function bodySpecs(): Record<string, BodySpec> {
  const serial = ["1", 1.5, 0, -1, -0, 2147483648, 1e308, null, true, "", [], {}, "NaN", "Infinity"];
  // A campaign and its preview take the same fields (the preview ignores the name).
  const campaignTemplate = () => ({
    name: "fuzz",
    firmware_version_id: ids.fwStored,
    target_group_id: A_GROUP,
    rollout_strategy: "linear",
    rollout_rate: 10,
    abort_threshold: 0.1,
  });
  const campaignInvalid = () => ({
    firmware_version_id: serial,
    target_group_id: BAD_IDENT,
    rollout_strategy: ["LINEAR", "", "random", 1, null, ["linear"], "canary "],
    rollout_rate: [0, 1001, 1.5, "10", null, true, -5, []],
    abort_threshold: [-0.01, 1.01, "0.1", null, true, [], 2, "NaN"],
    canary_percent: [0, 51, 2.5, "5", null, true, []],
    abort_min_devices: [0, -1, 1.5, "10", true, []],
    device_timeout_seconds: [0, 604_801, 1.5, "60", true, []],
    max_in_flight: [0, -1, 1.5, "4", true, []],
  });
  return {
    "POST /auth/token": {
      schema: Credentials,
      template: { email: "nobody@fuzz.invalid", password: "wrong-password" },
      invalid: {
        email: ["", "not-an-email", "a@", "@b.co", 123, null, `${"x".repeat(250)}@b.co`, "a\u0000@b.co", [], {}],
        password: ["", 123, null, "x".repeat(1025), [], {}, true],
      },
      freeText: ["password"],
    },
    "POST /customer/firmware": {
      schema: FirmwareCreate,
      // version + device type of existing firmware: refused as a duplicate (409).
      template: {
        version: "1.0.0",
        device_type: "sensor",
        file_url: "https://example.test/fw.bin",
        checksum_sha256: "ab".repeat(32),
        file_size_bytes: 10,
        description: "d",
      },
      invalid: {
        version: requiredText(50),
        device_type: optionalText(50),
        file_url: ["", "not a url", "http://", "://x", 123, null, [], "x".repeat(2049)],
        checksum_sha256: ["", "abc", "g".repeat(64), "a".repeat(63), "a".repeat(65), 123, true, []],
        file_size_bytes: [-1, 1.5, "100", 2 ** 53, true, [], {}, "NaN"],
        description: [...NOT_STRING, "x".repeat(10_001)],
      },
      freeText: ["description", "file_url"],
    },
    "POST /customer/ota/campaigns": {
      schema: CampaignCreate,
      // Both devices are already in the active guard campaign: "No eligible devices" (400), rolled back.
      template: campaignTemplate(),
      invalid: { name: requiredText(100), ...campaignInvalid() },
      freeText: ["name"],
    },
    "POST /customer/ota/campaigns/preview": {
      schema: CampaignPreviewBody,
      // A dry run: answers 200 with the guard campaign's devices as busy, and writes nothing.
      template: campaignTemplate(),
      invalid: campaignInvalid(),
      freeText: ["name"],
    },
    "POST /customer/devices": {
      schema: DeviceCreate,
      template: { device_id: A_DEVICES[0], device_type: "sensor", fw_version: "1.0.0" }, // exists: 409
      invalid: { device_id: BAD_IDENT, device_type: optionalText(50), fw_version: optionalText(50) },
      freeText: ["device_type", "fw_version"],
    },
    "POST /customer/devices/bulk": {
      schema: DeviceBulkCreate,
      // A new device beside an existing one: all or nothing, so 409 and neither is registered.
      template: { devices: [{ device_id: "fz-bulk-new", device_type: "sensor" }, { device_id: A_DEVICES[0] }] },
      invalid: {
        devices: [
          [],
          null,
          {},
          "fz-dev-1",
          [A_DEVICES[0]],
          [{}],
          [null],
          [{ device_id: "a b" }],
          [{ device_id: "fz-bulk-new", device_type: "" }],
          [{ device_id: "fz-bulk-new", fw_version: "x".repeat(51) }],
          [{ device_id: "fz-dup" }, { device_id: "fz-dup" }],
          Array(BULK_MAX_DEVICES + 1).fill({ device_id: "x" }),
        ],
      },
      freeText: [],
    },
    "POST /customer/device-groups": {
      schema: GroupCreate,
      template: { group_id: A_GROUP, name: "Fuzz", description: "d" }, // exists: 409
      invalid: { group_id: BAD_IDENT, name: requiredText(100), description: [...NOT_STRING, "x".repeat(10_001)] },
      freeText: ["name", "description"],
    },
    "POST /customer/ota/release-keys": {
      schema: ReleaseKeyCreate,
      // Tenant A's own (retired) key: registered already, 409. Junk text as the key: 422.
      template: { name: "fuzz", public_key: { ...releaseKeyA.jwk } },
      invalid: {
        name: requiredText(100),
        public_key: [123, 1.5, true, false, null, "", [], ["x"], "x".repeat(4097)],
      },
      freeText: ["name", "public_key"],
    },
    "PATCH /customer/ota/settings": {
      schema: OtaSettingsUpdate,
      // No tenant has an unretired release key: requiring signed firmware is refused (409).
      template: { require_signed_firmware: true },
      invalid: { require_signed_firmware: ["true", "false", 1, 0, null, "", [], [true], {}, "yes"] },
      freeText: [],
    },
    "POST /mqtt/auth": {
      schema: MqttAuthRequest,
      // A device without credentials: the broker is told "deny" (200), whatever the password.
      template: {
        clientid: deviceMqttIdentity(a.tenantId, A_DEVICES[0]!),
        username: deviceMqttIdentity(a.tenantId, A_DEVICES[0]!),
        password: "not-its-password",
      },
      invalid: { clientid: [...BAD_MQTT_STRING, null], username: BAD_MQTT_STRING, password: BAD_MQTT_STRING },
      freeText: ["clientid", "username", "password"],
    },
    "POST /mqtt/acl": {
      schema: MqttAclRequest,
      // A device of tenant A publishing to tenant B's device's topic: "deny" (200).
      template: {
        clientid: deviceMqttIdentity(a.tenantId, A_DEVICES[0]!),
        username: deviceMqttIdentity(a.tenantId, A_DEVICES[0]!),
        topic: statusTopic(b.tenantId, B_DEVICE),
        action: "publish",
      },
      invalid: {
        clientid: [...BAD_MQTT_STRING, null],
        username: BAD_MQTT_STRING,
        topic: [...BAD_MQTT_STRING, null, ""],
        action: ["PUBLISH", "read", "", " publish", null, 1, ["publish"], {}],
      },
      freeText: ["clientid", "username", "topic"],
    },
    "POST /customer/device-groups/[group_id]/members": {
      schema: MembersAdd,
      template: { device_ids: ["fz-missing-1"] }, // unknown device: 404
      invalid: {
        device_ids: [
          [],
          "fz-dev-1",
          null,
          [123],
          ["a b"],
          [""],
          [null],
          {},
          5,
          Array(10_001).fill("x"),
          [["nested"]],
          ["x".repeat(65)],
          ["a\u0000b"],
        ],
      },
      freeText: [],
    },
  };
}

/** A random JSON value; objects draw their keys from the route's fields and a few nasty ones. */
function randomJson(rng: Rng, keys: string[], depth = 0): unknown {
  const r = rng.next();
  if (depth > 3 || r < 0.35) {
    return rng.pick<unknown>([
      null,
      true,
      false,
      0,
      -1,
      1.5,
      2 ** 31,
      2 ** 53 + 1,
      1e308,
      -1e-308,
      "",
      rng.string(20),
      rng.string(200),
      "NaN",
      "1e309",
      "0x10",
      "__proto__",
      "a\u0000b",
      "x".repeat(rng.int(40, 120)),
      rng.int(-1000, 1000),
    ]);
  }
  if (r < 0.55) return Array.from({ length: rng.int(0, 4) }, () => randomJson(rng, keys, depth + 1));
  const obj: Record<string, unknown> = {};
  for (let i = rng.int(0, 5); i > 0; i--) {
    const k =
      rng.chance(0.7) && keys.length
        ? rng.pick(keys)
        : rng.pick(["__proto__", "constructor", "prototype", "toString", "", rng.string(10)]);
    // defineProperty, so that "__proto__" becomes an own key (as JSON.parse makes it), not the prototype.
    Object.defineProperty(obj, k, {
      value: randomJson(rng, keys, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return obj;
}

/**
 * A JSON body: junk, the template with invalid fields, random JSON the schema refuses, or
 * (if `wellFormed`) the template with NUL or unicode in a free-text field. Templates are
 * refused because of tenant A's data, so tenant B's admin never gets the well-formed kind.
 */
export function jsonBodyFor(rng: Rng, spec: BodySpec | undefined, wellFormed = true): { body: Body; label?: string } {
  const r = rng.next();
  if (!spec || r < 0.3) {
    if (rng.chance(0.15)) {
      const bytes = rng.bytes(3000);
      return { body: bytes };
    }
    const [label, body] = rng.pick(JUNK_BODIES);
    return { body, label };
  }
  if (r < 0.7) {
    // The template with one field made invalid (and sometimes a second, or nasty extra keys).
    const body: Record<string, unknown> = { ...spec.template };
    const fields = Object.keys(spec.invalid);
    const field = rng.pick(fields);
    body[field] = rng.pick(spec.invalid[field]!);
    if (rng.chance(0.3)) {
      const f2 = rng.pick(fields);
      body[f2] = rng.pick(spec.invalid[f2]!);
    }
    if (rng.chance(0.2)) delete body[rng.pick(Object.keys(body))];
    let text = JSON.stringify(body);
    if (rng.chance(0.2))
      text = `{"__proto__":{"role":"admin"},"constructor":{"prototype":{"x":1}}${text.length > 2 ? "," : ""}${text.slice(1)}`;
    if (spec.schema.safeParse(JSON.parse(text)).success) return jsonBodyFor(rng, spec, wellFormed); // deleted the bad field
    return { body: text };
  }
  if (r < 0.85 && spec.freeText.length && wellFormed) {
    // Well-formed but for unicode / NUL in a free-text field: the template still makes it a 4xx.
    const field = rng.pick(spec.freeText);
    const body = { ...spec.template, [field]: freeValue(field, rng.pick(FREE_TEXT)) };
    return { body: JSON.stringify(body) };
  }
  const value = randomJson(rng, [...Object.keys(spec.template), ...Object.keys(spec.invalid)]);
  if (spec.schema.safeParse(value).success) return jsonBodyFor(rng, spec, wellFormed);
  return { body: JSON.stringify(value) ?? "undefined" };
}

export function formBodyFor(rng: Rng): Body {
  const emails = ["", "not-an-email", "nobody@fuzz.invalid", a.users.admin.email, "%00", "%zz", enc(rng.string(30))];
  const passwords = ["", "x", "wrong", "%00", "x".repeat(1100), enc(rng.string(20))];
  const parts = [`email=${rng.pick(emails)}`, `password=${rng.pick(passwords)}`];
  if (rng.chance(0.2)) parts.push("email=second");
  if (rng.chance(0.2)) parts.push(rng.string(30));
  return rng.chance(0.2) ? rng.pick(JUNK_BODIES)[1] : parts.join("&");
}
