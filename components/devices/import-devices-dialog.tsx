"use client";

import { useId, useState, type FormEvent } from "react";
import { errorMessage } from "@/components/ui/api-errors";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { FormError } from "@/components/ui/field";
import { useToast } from "@/components/ui/toast";
import { useImportDevices } from "@/lib/api-client/devices";
import { ShownOnceWarning } from "./credentials-once";
import { csvDataRows, IMPORT_COLUMNS, parseDeviceCsv, SHOWN_PROBLEMS, type ParsedImport } from "./device-csv";
import { downloadText } from "./download";

export const CREDENTIALS_FILE = "credentials.csv";

/**
 * "Import devices (CSV)": a factory file of device ids read and checked in the browser,
 * registered in one request (all or nothing), and the answer, a CSV of every device's
 * MQTT credentials, offered once as a download. Closing the dialog forgets it.
 */
export function ImportDevicesDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const [credentials, setCredentials] = useState<string | null>(null);
  const close = () => {
    setCredentials(null);
    onClose();
  };
  return (
    <Dialog open={open} onClose={close} title={credentials ? "Devices imported" : "Import devices from CSV"} wide>
      {credentials === null ? (
        <ImportForm onCancel={close} onImported={setCredentials} />
      ) : (
        <ImportedCredentials csv={credentials} onDone={close} />
      )}
    </Dialog>
  );
}

function ImportForm({ onCancel, onImported }: { onCancel: () => void; onImported: (csv: string) => void }) {
  const [file, setFile] = useState<{ name: string; parsed: ParsedImport } | null>(null);
  const [reading, setReading] = useState(false);
  const run = useImportDevices();
  const toast = useToast();
  const inputId = useId();
  const count = file?.parsed.devices.length ?? 0;
  const problems = file?.parsed.problems ?? [];
  const ready = count > 0 && problems.length === 0;

  async function pick(f: File | undefined) {
    run.reset();
    if (!f) return setFile(null);
    setReading(true);
    try {
      setFile({ name: f.name, parsed: parseDeviceCsv(await f.text()) });
    } finally {
      setReading(false);
    }
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!file || !ready) return;
    run.mutate(file.parsed.devices, {
      onSuccess: (csv) => {
        toast("success", `${count.toLocaleString()} device${count === 1 ? "" : "s"} registered`);
        onImported(csv);
      },
    });
  }

  return (
    <form onSubmit={submit} className="space-y-4" aria-label="Import devices">
      <div>
        <label htmlFor={inputId} className="block text-sm font-medium text-slate-800">
          CSV file
        </label>
        <input
          id={inputId}
          type="file"
          accept=".csv,text/csv"
          aria-describedby={`${inputId}-hint`}
          onChange={(e) => void pick(e.target.files?.[0])}
          className="mt-1 block w-full text-sm text-slate-700 file:mr-3 file:rounded-md file:border file:border-slate-300 file:bg-white file:px-3 file:py-1.5 file:text-sm file:font-medium file:text-slate-800 hover:file:bg-slate-50"
        />
        <p id={`${inputId}-hint`} className="mt-1 text-xs text-slate-500">
          A header row, then one device a line: <code className="font-mono">{IMPORT_COLUMNS.join(",")}</code> (the last
          two optional). Every device is registered, or none is.
        </p>
      </div>

      {reading && <p className="text-sm text-slate-600">Reading {file?.name ?? "the file"}…</p>}
      {file && !reading && (
        <div aria-live="polite" className="space-y-2 text-sm">
          <p className="text-slate-800">
            <span className="font-medium">{file.name}</span>: {count.toLocaleString()} device{count === 1 ? "" : "s"}{" "}
            {ready ? "ready to register" : "read"}
            {problems.length > 0 &&
              `, ${problems.length.toLocaleString()} problem${problems.length === 1 ? "" : "s"} to fix first`}
          </p>
          {problems.length > 0 && (
            <ul
              aria-label="Problems in the file"
              className="space-y-1 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-red-800"
            >
              {problems.slice(0, SHOWN_PROBLEMS).map((p, i) => (
                <li key={i}>
                  Line {p.line}: {p.message}
                </li>
              ))}
              {problems.length > SHOWN_PROBLEMS && (
                <li className="text-red-700">…and {(problems.length - SHOWN_PROBLEMS).toLocaleString()} more</li>
              )}
            </ul>
          )}
        </div>
      )}

      <FormError>{run.error ? `Nothing was imported: ${errorMessage(run.error)}` : undefined}</FormError>
      <div className="flex justify-end gap-2">
        <Button onClick={onCancel} disabled={run.isPending}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" disabled={!ready || run.isPending}>
          {run.isPending
            ? "Importing…"
            : ready
              ? `Import ${count.toLocaleString()} device${count === 1 ? "" : "s"}`
              : "Import"}
        </Button>
      </div>
    </form>
  );
}

function ImportedCredentials({ csv, onDone }: { csv: string; onDone: () => void }) {
  const [saved, setSaved] = useState(false);
  const rows = csvDataRows(csv).length;
  return (
    <div className="space-y-4">
      <p className="text-sm text-slate-800">
        {rows.toLocaleString()} device{rows === 1 ? "" : "s"} registered, each with its own MQTT credentials.
      </p>
      <ShownOnceWarning>
        The file below holds every device&apos;s password, and Flotilla keeps only their hashes: download it and hand it
        to the factory line before closing this. A lost password means issuing that device new credentials.
      </ShownOnceWarning>
      <div className="flex flex-wrap items-center justify-end gap-2">
        {saved && <span className="text-sm text-emerald-700">Downloaded {CREDENTIALS_FILE}</span>}
        <Button
          variant={saved ? "secondary" : "primary"}
          onClick={() => {
            downloadText(CREDENTIALS_FILE, csv);
            setSaved(true);
          }}
        >
          Download {CREDENTIALS_FILE}
        </Button>
        <Button variant={saved ? "primary" : "secondary"} onClick={onDone}>
          Done
        </Button>
      </div>
    </div>
  );
}
