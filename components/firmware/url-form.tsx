"use client";

import type { FormEvent } from "react";
import { conflictMessage, fieldErrors, formError } from "@/components/ui/api-errors";
import { Button } from "@/components/ui/button";
import { FormError, TextField } from "@/components/ui/field";
import { useRegisterFirmware } from "@/lib/api-client/firmware";
import type { Firmware } from "@/lib/api-client/types";
import { ReleaseSignatureFields, SHARED_FIELDS, sharedFieldValues, VersionFields } from "./firmware-fields";

const FIELDS = [...SHARED_FIELDS, "file_url", "checksum_sha256", "file_size_bytes"] as const;

/** Registers a binary hosted elsewhere; checksum and size are the operator's word for it. */
export function UrlFirmwareForm({ onAdded, onCancel }: { onAdded: (f: Firmware) => void; onCancel: () => void }) {
  const register = useRegisterFirmware();
  const errors = fieldErrors(register.error);
  // A duplicate (version, device type) is about the version: say so beside it.
  const duplicate = conflictMessage(register.error);

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "").trim() || null;
    const size = text("file_size_bytes");
    register.mutate(
      {
        ...sharedFieldValues(form),
        file_url: String(form.get("file_url") ?? "").trim(),
        ...(text("checksum_sha256") ? { checksum_sha256: text("checksum_sha256")! } : {}),
        ...(size ? { file_size_bytes: Number(size) } : {}),
      },
      // Success shows in the dialog; failure beside the field or above the buttons.
      { onSuccess: onAdded },
    );
  }

  return (
    <form onSubmit={submit} className="space-y-4" aria-label="Register firmware by URL">
      <VersionFields errors={errors} versionError={duplicate} />
      <TextField
        label="Download URL"
        name="file_url"
        type="url"
        required
        placeholder="https://downloads.example.com/fw-2.1.0.bin"
        error={errors.file_url}
      />
      <div className="grid gap-4 sm:grid-cols-[1fr_10rem]">
        <TextField
          label="SHA-256 (optional)"
          name="checksum_sha256"
          pattern="[0-9a-fA-F]{64}"
          title="64 hexadecimal characters"
          spellCheck={false}
          className="font-mono text-xs"
          hint="Devices verify the download against it."
          error={errors.checksum_sha256}
        />
        <TextField
          label="Size in bytes (optional)"
          name="file_size_bytes"
          type="number"
          min={0}
          step={1}
          error={errors.file_size_bytes}
        />
      </div>
      <ReleaseSignatureFields errors={errors} covers="SHA-256 above" />
      <FormError>{duplicate ? undefined : formError(register.error, FIELDS)}</FormError>
      <div className="flex justify-end gap-2">
        <Button onClick={onCancel} disabled={register.isPending}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" disabled={register.isPending}>
          {register.isPending ? "Registering…" : "Register"}
        </Button>
      </div>
    </form>
  );
}
