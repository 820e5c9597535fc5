"use client";

import { useState, type FormEvent } from "react";
import { conflictMessage, fieldErrors, formError } from "@/components/ui/api-errors";
import { Button } from "@/components/ui/button";
import { FormError, TextField } from "@/components/ui/field";
import { formatBytes } from "@/components/ui/format";
import { useUploadFirmware } from "@/lib/api-client/firmware";
import type { Firmware } from "@/lib/api-client/types";
import { ReleaseSignatureFields, SHARED_FIELDS, sharedFieldValues, VersionFields } from "./firmware-fields";

const FIELDS = [...SHARED_FIELDS, "file"] as const;

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
    setProgress(0);
    upload.mutate(
      {
        // The release signature goes inside the metadata part, like the rest.
        meta: sharedFieldValues(new FormData(e.currentTarget)),
        file,
        onProgress: setProgress,
      },
      // Success shows in the dialog (the checksum); failure beside the field or above the buttons.
      { onSuccess: onAdded },
    );
  }

  return (
    <form onSubmit={submit} className="space-y-4" aria-label="Upload firmware">
      <VersionFields errors={errors} versionError={duplicate} />
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
      <ReleaseSignatureFields errors={errors} covers="file's SHA-256" />
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
