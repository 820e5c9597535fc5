import { CREDENTIALS_CSV_COLUMNS } from "@/lib/rules/credentials";
import { IDENTIFIER_RULE, isIdentifier } from "@/lib/rules/identifiers";

/**
 * The CSV of a device import, read in the browser before anything is sent, so that a
 * factory file with a bad id or a repeated one is fixed before the request rather than
 * refused whole by it (the import is all or nothing). Only what the browser can know
 * is checked here: ids and repeats; lengths and ids already registered are the
 * server's to refuse, with its own message.
 */

export const IMPORT_COLUMNS = ["device_id", "device_type", "fw_version"] as const;
/** The most the API takes in one request. */
export const MAX_IMPORT_DEVICES = 100_000;
/** A file with more problems than this shows only the first ones: enough to see the pattern. */
export const SHOWN_PROBLEMS = 5;

export interface ImportRow {
  device_id: string;
  device_type?: string;
  fw_version?: string;
}

export interface CsvProblem {
  /** 1-based line of the file. */
  line: number;
  message: string;
}

export interface ParsedImport {
  devices: ImportRow[];
  problems: CsvProblem[];
}

/** RFC 4180 records: quoted fields may hold commas, quotes ("") and line breaks. Returns each record with its first line. */
export function csvRecords(text: string): { line: number; fields: string[] }[] {
  const records: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = "";
  let quoted = false;
  let line = 1;
  let start = 1;
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  // Without quotes, a line is a record: split, rather than walk a 100,000-line file by character.
  if (!s.includes('"')) {
    s.split(/\r\n|\n|\r/).forEach((l, i) => l !== "" && records.push({ line: i + 1, fields: l.split(",") }));
    return records;
  }
  const end = () => {
    fields.push(field);
    // A blank line is no record.
    if (fields.length > 1 || fields[0] !== "") records.push({ line: start, fields });
    fields = [];
    field = "";
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === "\n") line++;
        field += c;
      }
    } else if (c === '"' && field === "") quoted = true;
    else if (c === ",") {
      fields.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && s[i + 1] === "\n") i++;
      end();
      line++;
      start = line;
    } else field += c;
  }
  if (field !== "" || fields.length) end();
  return records;
}

export function parseDeviceCsv(text: string): ParsedImport {
  const [header, ...rows] = csvRecords(text);
  if (!header) return { devices: [], problems: [{ line: 1, message: "The file is empty" }] };
  const columns = header.fields.map((f) => f.trim().toLowerCase());
  const problems: CsvProblem[] = [];
  const unknown = columns.filter((c) => !(IMPORT_COLUMNS as readonly string[]).includes(c));
  if (!columns.includes("device_id") || unknown.length) {
    const what = unknown.length ? `unknown column ${unknown.map((c) => `“${c}”`).join(", ")}` : "no device_id column";
    return {
      devices: [],
      problems: [
        { line: header.line, message: `The first line must name the columns (${IMPORT_COLUMNS.join(", ")}): ${what}` },
      ],
    };
  }
  const index = (name: string) => columns.indexOf(name);
  const seen = new Map<string, number>();
  const devices: ImportRow[] = [];
  for (const { line, fields } of rows) {
    if (fields.length !== columns.length) {
      problems.push({ line, message: `${fields.length} fields where the header has ${columns.length}` });
      continue;
    }
    const cell = (name: string) => (index(name) < 0 ? "" : fields[index(name)]!.trim());
    const id = cell("device_id");
    if (!isIdentifier(id)) {
      problems.push({ line, message: id ? `device_id “${id}” ${IDENTIFIER_RULE}` : "device_id is empty" });
      continue;
    }
    const first = seen.get(id);
    if (first !== undefined) {
      problems.push({ line, message: `device_id “${id}” is also on line ${first}` });
      continue;
    }
    seen.set(id, line);
    const row: ImportRow = { device_id: id };
    if (cell("device_type")) row.device_type = cell("device_type");
    if (cell("fw_version")) row.fw_version = cell("fw_version");
    devices.push(row);
  }
  if (devices.length + problems.length === 0)
    problems.push({ line: header.line, message: "No devices below the header" });
  if (devices.length > MAX_IMPORT_DEVICES)
    problems.push({
      line: header.line,
      message: `${devices.length} devices: at most ${MAX_IMPORT_DEVICES} per import`,
    });
  return { devices, problems };
}

const csvField = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

/** Rows as CSV text, the first row the header, lines ending CRLF (RFC 4180; what spreadsheets expect). */
export const toCsv = (rows: string[][]) => rows.map((r) => r.map(csvField).join(",") + "\r\n").join("");

/** The credentials file's columns: the same as the bulk import's answer. */
export const CREDENTIAL_COLUMNS: string[] = [...CREDENTIALS_CSV_COLUMNS];

/** Rows of a credentials CSV (without its header), as the bulk import answers it. */
export const csvDataRows = (csv: string) => csvRecords(csv).slice(1);
