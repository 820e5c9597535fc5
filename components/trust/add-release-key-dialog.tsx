"use client";

import { useState, type FormEvent } from "react";
import { conflictMessage, fieldErrors, formError } from "@/components/ui/api-errors";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { FormError, TextAreaField, TextField } from "@/components/ui/field";
import { useToast } from "@/components/ui/toast";
import { useAddReleaseKey } from "@/lib/api-client/trust";

const FIELDS = ["name", "public_key"] as const;

/**
 * What was pasted, as the API takes it: a JWK is sent as an object, anything else (a PEM)
 * as the string. A paste that looks like JSON but is not is caught here, where the
 * message can say so, rather than sent as a "PEM" the server would call unreadable.
 */
export function pastedKey(text: string): { key: string | Record<string, unknown> } | { error: string } {
  const t = text.trim();
  if (!t.startsWith("{")) return { key: t };
  try {
    const parsed: unknown = JSON.parse(t);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
      return { key: parsed as Record<string, unknown> };
  } catch {
    // Reported below.
  }
  return { error: "is not valid JSON: paste the whole JWK object, or a PEM public key" };
}

export function AddReleaseKeyDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Dialog open={open} onClose={onClose} title="Add release key" wide>
      <AddReleaseKeyForm onDone={onClose} />
    </Dialog>
  );
}

function AddReleaseKeyForm({ onDone }: { onDone: () => void }) {
  const add = useAddReleaseKey();
  const toast = useToast();
  const [pasteError, setPasteError] = useState<string>();
  const errors = fieldErrors(add.error);
  const duplicate = conflictMessage(add.error);

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const pasted = pastedKey(String(form.get("public_key") ?? ""));
    if ("error" in pasted) return setPasteError(pasted.error);
    setPasteError(undefined);
    add.mutate(
      { name: String(form.get("name") ?? "").trim(), public_key: pasted.key },
      {
        onSuccess: (k) => {
          toast("success", `Release key ${k.name} added`);
          onDone();
        },
      },
    );
  }

  return (
    <form onSubmit={submit} className="space-y-4" aria-label="Add release key">
      <TextField
        label="Name"
        name="name"
        required
        maxLength={100}
        autoComplete="off"
        placeholder="CI release key 2026"
        error={errors.name}
      />
      <TextAreaField
        label="Public key"
        name="public_key"
        required
        rows={6}
        spellCheck={false}
        className="font-mono text-xs"
        placeholder={'{"kty":"OKP","crv":"Ed25519","x":"…"}\nor\n-----BEGIN PUBLIC KEY-----\n…'}
        hint={
          <>
            The public half only: an Ed25519 JWK, or a PEM public key, as{" "}
            <code className="font-mono">npm run sign-firmware -- --generate-key</code> prints it.
          </>
        }
        error={pasteError ?? errors.public_key ?? duplicate}
      />
      <FormError>{duplicate ? undefined : formError(add.error, FIELDS)}</FormError>
      <div className="flex justify-end gap-2">
        <Button onClick={onDone} disabled={add.isPending}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" disabled={add.isPending}>
          {add.isPending ? "Adding…" : "Add key"}
        </Button>
      </div>
    </form>
  );
}
