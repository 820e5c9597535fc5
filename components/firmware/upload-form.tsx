"use client";

import { useState, type FormEvent } from "react";
import { conflictMessage, fieldErrors, formError } from "@/components/ui/api-errors";
import { Button } from "@/components/ui/button";
import { FormError, TextAreaField, TextField } from "@/components/ui/field";
import { formatBytes } from "@/components/ui/format";
import { useUploadFirmware } from "@/lib/api-client/firmware";
import type { Firmware } from "@/lib/api-client/types";

const FIELDS = ["version", "device_type", "description", "file"] as const;

/** Uploads a binary with its metadata; the bar follows the bytes sent (XHR progress). */
export function UploadFirmwareForm({ onAdded, onCancel }: { onAdded: (f: Firmware) => void; onCancel: () => void }) {
  const upload = useUploadFirmware();
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState(0);
  const errors = fieldErrors(upload.error);
  // A duplicate (version, device type) is about the version: say so beside it.
  const duplicate = conflictMessage(upload.error);

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!file) return;
    const form = new FormData(e.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "").trim() || null;
    setProgress(0);
    upload.mutate(
      {
        meta: {
          version: String(form.get("version") ?? "").trim(),
          device_type: text("device_type"),
          description: text("description"),
        },
        file,
        onProgress: setProgress,
      },
      // Success shows in the dialog (the checksum); failure beside the field or above the buttons.
      { onSuccess: onAdded },
    );
  }

  return (
    <form onSubmit={submit} className="space-y-4" aria-label="Upload firmware">
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField
          label="Version"
          name="version"
          required
          maxLength={50}
          placeholder="2.1.0"
          error={errors.version ?? duplicate}
        />
        <TextField
          label="Device type"
          name="device_type"
          maxLength={50}
          placeholder="Any"
          hint="Leave empty for any type."
          error={errors.device_type}
        />
      </div>
      <TextAreaField label="Description" name="description" placeholder="What changed" error={errors.description} />
      <TextField
        label="Firmware file"
        name="file"
        type="file"
        required
        onChange={(e) => setFile(e.target.files?.[0] ?? null)}
        hint={
          file
            ? `${file.name}, ${formatBytes(file.size)}`
            : "The binary devices will download. Flotilla computes its SHA-256."
        }
        error={errors.file}
        className="file:mr-3 file:rounded file:border-0 file:bg-slate-100 file:px-2.5 file:py-1 file:text-sm file:font-medium file:text-slate-700"
      />
      {upload.isPending && <UploadProgress fraction={progress} />}
      <FormError>{duplicate ? undefined : formError(upload.error, FIELDS)}</FormError>
      <div className="flex justify-end gap-2">
        <Button onClick={onCancel} disabled={upload.isPending}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" disabled={upload.isPending || !file}>
          {upload.isPending ? "Uploading…" : "Upload"}
        </Button>
      </div>
    </form>
  );
}

function UploadProgress({ fraction }: { fraction: number }) {
  const pct = Math.round(fraction * 100);
  return (
    <div className="space-y-1">
      <div
        role="progressbar"
        aria-label="Upload progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        className="h-2 w-full overflow-hidden rounded-full bg-slate-100"
      >
        <div className="h-full bg-sky-500 transition-[width]" style={{ width: `${pct}%` }} />
      </div>
      <p className="text-xs tabular-nums text-slate-500">
        {pct < 100 ? `Uploading… ${pct}%` : "Verifying and storing…"}
      </p>
    </div>
  );
}
