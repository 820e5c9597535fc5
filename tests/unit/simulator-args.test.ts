import { describe, expect, it } from "vitest";
import { ArgsError, parseSimulateArgs } from "@/lib/simulator/args";

describe("npm run simulate arguments", () => {
  it("reads the options, with defaults", () => {
    expect(parseSimulateArgs(["--tenant", "acme", "--group", "all"])).toEqual({
      tenant: ["acme"],
      group: "all",
      "fail-rate": 0,
      "silent-rate": 0,
      "interrupt-rate": 0,
      "delay-ms": 200,
      concurrency: 50,
      "issue-credentials": false,
    });
    expect(
      parseSimulateArgs([
        "--tenant=acme",
        "--devices",
        "a, b,a",
        "--fail-rate",
        "1",
        "--interrupt-rate=0.25",
        "--delay-ms",
        "0",
      ]),
    ).toMatchObject({ tenant: ["acme"], devices: ["a", "b"], "fail-rate": 1, "interrupt-rate": 0.25, "delay-ms": 0 });
    expect(parseSimulateArgs(["--tenant", "acme,globex", "--group", "all"])).toMatchObject({
      tenant: ["acme", "globex"],
    });
    expect(
      parseSimulateArgs(["--tenant", "acme", "--credentials", "f.csv", "--jwks", "k.json", "--release-keys", "r.json"]),
    ).toMatchObject({ credentials: "f.csv", jwks: "k.json", "release-keys": "r.json", "issue-credentials": false });
    expect(parseSimulateArgs(["--tenant", "acme", "--issue-credentials"])).toMatchObject({ "issue-credentials": true });
    expect(parseSimulateArgs(["--help"])).toBe("help");
  });

  it.each([
    [[], /--tenant: is required/],
    [["--tenant", "a/b"], /--tenant: must be 1-64 characters/],
    [["--tenant", "a", "--fail-rate", "1.5"], /--fail-rate: must be between 0 and 1/],
    [["--tenant", "a", "--silent-rate", "lots"], /--silent-rate: must be a number, not "lots"/],
    [["--tenant", "a", "--delay-ms", "2.5"], /--delay-ms: must be a whole number/],
    [["--tenant", "a", "--group", "g", "--devices", "x"], /--devices: cannot be combined with --group/],
    [["--tenant", "a,b", "--devices", "x"], /--tenant: must name one tenant when --devices is given/],
    [["--tenant", "a", "--devices", ","], /--devices: must name at least one id/],
    [
      ["--tenant", "a", "--credentials", "f.csv", "--issue-credentials"],
      /--issue-credentials: cannot be combined with --credentials/,
    ],
    [["--tenant", "a", "--jwks="], /--jwks: must name a file/],
    [["--tenant", "a", "--frobnicate"], /Unknown option '--frobnicate'/],
    [["--tenant", "a", "extra"], /positional/],
  ])("refuses %j with a message naming the option", (argv, message) => {
    expect(() => parseSimulateArgs(argv)).toThrow(ArgsError);
    expect(() => parseSimulateArgs(argv)).toThrow(message);
  });
});
