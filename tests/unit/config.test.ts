import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig, publicUrl } from "@/lib/config";

describe("parseConfig", () => {
  it("gives the documented defaults for an empty environment", () => {
    const c = parseConfig({});
    expect(c).toMatchObject({
      PORT: 3000,
      MQTT_PORT: 1884,
      EMBEDDED_PG_PORT: 54329,
      OTA_TICK_INTERVAL_MS: 10_000,
      SIMULATE_DEVICES: true,
    });
    expect(c.DATABASE_URL).toBeUndefined();
    expect(publicUrl(c)).toBe("http://localhost:3000");
  });

  it("names the variable that is wrong", () => {
    expect(() => parseConfig({ PORT: "seventy" })).toThrow(/PORT/);
    expect(() => parseConfig({ MQTT_URL: "http://broker" })).toThrow(/MQTT_URL: must start with mqtt:/);
    expect(() => parseConfig({ OTA_TICK_INTERVAL_MS: "-5" })).toThrow(/OTA_TICK_INTERVAL_MS/);
    expect(() => parseConfig({ SIMULATE_DEVICES: "maybe" })).toThrow(/SIMULATE_DEVICES/);
  });

  it("requires AUTH_SECRET whenever DATABASE_URL is set", () => {
    expect(() => parseConfig({ DATABASE_URL: "postgres://u@127.0.0.1/db" })).toThrow(ConfigError);
    expect(() => parseConfig({ DATABASE_URL: "postgres://u@127.0.0.1/db" })).toThrow(/AUTH_SECRET/);
    expect(() => parseConfig({ DATABASE_URL: "postgres://u@127.0.0.1/db", AUTH_SECRET: "short" })).toThrow(
      /AUTH_SECRET: must be at least 32/,
    );
    const ok = parseConfig({ DATABASE_URL: "postgres://u@127.0.0.1/db", AUTH_SECRET: "x".repeat(32) });
    expect(ok.DATABASE_URL).toBe("postgres://u@127.0.0.1/db");
  });

  it("treats an empty variable as unset and parses flags", () => {
    expect(parseConfig({ PORT: "", SIMULATE_DEVICES: "0" })).toMatchObject({ PORT: 3000, SIMULATE_DEVICES: false });
    expect(publicUrl(parseConfig({ PUBLIC_URL: "https://ota.example.com/" }))).toBe("https://ota.example.com");
  });
});
