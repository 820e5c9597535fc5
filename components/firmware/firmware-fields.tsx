"use client";

import { TextAreaField, TextField } from "@/components/ui/field";
import { useOtaSettings } from "@/lib/api-client/trust";

/**
 * The fields the upload form and the URL form share, named as the API names them, so
 * that a 422's per-field messages land beside the right input in either form.
 */

/** The fields rendered here: each form adds them to its own list, for what formError shows above the buttons. */
export const SHARED_FIELDS = ["version", "device_type", "description", "release_signature", "release_kid"] as const;

/** Form values of the shared fields, as the API takes them: empty inputs become null. */
export function sharedFieldValues(form: FormData) {
  const text = (name: string) => String(form.get(name) ?? "").trim() || null;
  return {
    version: String(form.get("version") ?? "").trim(),
    device_type: text("device_type"),
    description: text("description"),
    release_signature: text("release_signature"),
    release_kid: text("release_kid"),
  };
}

/** Version, device type and description. `versionError` may carry a 409 (a duplicate is about the version). */
export function VersionFields({ errors, versionError }: { errors: Record<string, string>; versionError?: string }) {
  return (
    <>
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField
          label="Version"
          name="version"
          required
          maxLength={50}
          placeholder="2.1.0"
          error={errors.version ?? versionError}
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
    </>
  );
}

/**
 * The operator's release signature over the image's SHA-256 and the key that made it
 * (docs/release-signing.md). Never `required` in the browser, even when the tenant
 * requires signed firmware: the server is the one place that rule lives, and its 422
 * says what is missing, beside the field. The setting only changes the words.
 */
export function ReleaseSignatureFields({ errors, covers }: { errors: Record<string, string>; covers: string }) {
  const settings = useOtaSettings();
  const required = settings.data?.require_signed_firmware === true;
  return (
    <div className="grid gap-4 sm:grid-cols-[1fr_16rem]">
      <TextField
        label={required ? "Release signature" : "Release signature (optional)"}
        name="release_signature"
        autoComplete="off"
        spellCheck={false}
        pattern="[A-Za-z0-9_\-]{86}"
        title="An Ed25519 signature: 86 base64url characters"
        className="font-mono text-xs"
        hint={
          <>
            {required ? `This tenant requires signed firmware: the ${covers}` : `The ${covers}`} signed with a release
            key, as <code className="whitespace-nowrap font-mono">npm run sign-firmware</code> prints it.
          </>
        }
        error={errors.release_signature}
      />
      <TextField
        label="Release key ID (optional)"
        name="release_kid"
        autoComplete="off"
        spellCheck={false}
        pattern="[A-Za-z0-9_\-]{43}"
        title="A key ID: 43 base64url characters"
        className="font-mono text-xs"
        hint="Empty: any active release key may verify it."
        error={errors.release_kid}
      />
    </div>
  );
}
