"use client";

import { useState } from "react";
import { errorMessage } from "@/components/ui/api-errors";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { useToast } from "@/components/ui/toast";
import { useActivateSigningKey, useRetireSigningKey, type SigningKeyWithStatus } from "@/lib/api-client/trust";

/** The second step of a rotation (or a return to a key that signed before), confirmed: devices without the key refuse. */
export function ActivateSigningKey({ signingKey: k }: { signingKey: SigningKeyWithStatus }) {
  const [open, setOpen] = useState(false);
  const activate = useActivateSigningKey();
  const toast = useToast();
  return (
    <>
      <Button size="sm" variant="ghost" onClick={() => setOpen(true)}>
        Activate<span className="sr-only"> key {k.kid}</span>
      </Button>
      <ConfirmDialog
        open={open}
        title="Activate this signing key?"
        confirmLabel="Activate key"
        pending={activate.isPending}
        onClose={() => setOpen(false)}
        onConfirm={() =>
          activate.mutate(k.kid, {
            onSuccess: () => toast("success", `Signing key ${k.kid} is active`),
            onError: (err) => toast("error", `Could not activate ${k.kid}: ${errorMessage(err)}`),
            onSettled: () => setOpen(false),
          })
        }
      >
        <p>
          Key <code className="font-mono break-all">{k.kid}</code> signs every command from now on (the worker switches
          within a minute).
        </p>
        <p className="mt-2">
          A device that was not given a JWKS holding this key refuses those commands: activate it only once your devices
          have it. The current key stays in the JWKS until you retire it, so you can switch back.
        </p>
      </ConfirmDialog>
    </>
  );
}

export function RetireSigningKey({ signingKey: k }: { signingKey: SigningKeyWithStatus }) {
  const [open, setOpen] = useState(false);
  const retire = useRetireSigningKey();
  const toast = useToast();
  return (
    <>
      <Button size="sm" variant="ghost" className="text-red-700!" onClick={() => setOpen(true)}>
        Retire<span className="sr-only"> key {k.kid}</span>
      </Button>
      <ConfirmDialog
        open={open}
        title="Retire this signing key?"
        confirmLabel="Retire key"
        pending={retire.isPending}
        onClose={() => setOpen(false)}
        onConfirm={() =>
          retire.mutate(k.kid, {
            onSuccess: () => toast("success", `Signing key ${k.kid} retired`),
            onError: (err) => toast("error", `Could not retire ${k.kid}: ${errorMessage(err)}`),
            onSettled: () => setOpen(false),
          })
        }
      >
        <p>
          Key <code className="font-mono break-all">{k.kid}</code> leaves the JWKS for good: commands it signed no
          longer verify.
          {k.status === "active" && " It is the active key: the key that signed before it signs commands from now on."}
          {k.status === "staged" && " It has never signed a command."}
        </p>
      </ConfirmDialog>
    </>
  );
}
