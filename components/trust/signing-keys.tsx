"use client";

import { useState } from "react";
import { useCan } from "@/components/session";
import { errorMessage } from "@/components/ui/api-errors";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { CopyButton } from "@/components/ui/copy-button";
import { ErrorState, Loading } from "@/components/ui/states";
import { DataTable, Td, Th } from "@/components/ui/table";
import { useToast } from "@/components/ui/toast";
import { useRetireSigningKey, useRotateSigningKey, useSigningKeys } from "@/lib/api-client/trust";
import { TrustSection } from "./device-trust";

/**
 * The tenant's command-signing keys as the JWKS devices are provisioned with. The first
 * key is the active one (the server lists it first); the others still verify until
 * retired, so that devices can move to a new key before the old one goes.
 */
export function SigningKeys() {
  const isAdmin = useCan("admin");
  const q = useSigningKeys();
  const [rotating, setRotating] = useState(false);
  const rotate = useRotateSigningKey();
  const toast = useToast();
  const jwks = q.data ? JSON.stringify(q.data, null, 2) : "";

  return (
    <TrustSection
      id="signing-keys"
      title="Command-signing keys"
      description={
        <>
          Flotilla signs every command it sends a device with the active key (Ed25519). Provision each device with this
          JWKS; registration hands it out too.
        </>
      }
      actions={
        <>
          {q.data && <CopyButton text={jwks} label="Copy JWKS" what="JWKS copied" />}
          {isAdmin && (
            <Button onClick={() => setRotating(true)} disabled={!q.data}>
              Rotate signing key
            </Button>
          )}
        </>
      }
    >
      {q.isPending ? (
        <Loading label="Loading signing keys…" />
      ) : q.isError ? (
        <ErrorState error={q.error} retry={() => void q.refetch()} />
      ) : (
        <>
          <DataTable
            label="Signing keys"
            head={
              <>
                <Th>Key ID</Th>
                <Th>Algorithm</Th>
                <Th>Use</Th>
                {isAdmin && (
                  <Th>
                    <span className="sr-only">Actions</span>
                  </Th>
                )}
              </>
            }
          >
            {q.data.keys.map((k, i) => (
              <tr key={k.kid}>
                <Td className="whitespace-nowrap">
                  <span className="inline-flex items-center gap-1">
                    <code className="font-mono text-[13px]">{k.kid}</code>
                    <CopyButton text={k.kid} label={`Copy key ID ${k.kid}`} what="Key ID copied" />
                  </span>
                </Td>
                <Td className="whitespace-nowrap">
                  {k.kty} {k.crv}
                </Td>
                <Td className="whitespace-nowrap">
                  {i === 0 ? (
                    <span className="rounded-full bg-emerald-50 px-2 py-0.5 text-xs font-medium text-emerald-800">
                      Active: signs commands
                    </span>
                  ) : (
                    <span className="text-slate-600">Verifies until retired</span>
                  )}
                </Td>
                {isAdmin && (
                  <Td className="text-right">
                    {/* The last key cannot be retired (the server refuses it too): devices would verify nothing. */}
                    {q.data.keys.length > 1 && <RetireSigningKey kid={k.kid} active={i === 0} />}
                  </Td>
                )}
              </tr>
            ))}
          </DataTable>
          <details className="mt-3 text-sm">
            <summary className="cursor-pointer font-medium text-slate-700">Show the JWKS</summary>
            <pre
              aria-label="JWKS"
              className="mt-2 max-h-72 overflow-auto rounded-md border border-slate-200 bg-slate-50 p-3 font-mono text-xs text-slate-800"
            >
              {jwks}
            </pre>
          </details>
        </>
      )}
      <ConfirmDialog
        open={rotating}
        title="Rotate the signing key?"
        confirmLabel="Rotate signing key"
        pending={rotate.isPending}
        onClose={() => setRotating(false)}
        onConfirm={() =>
          rotate.mutate(undefined, {
            onSuccess: (k) => toast("success", `New signing key ${k.kid} is active`),
            onError: (err) => toast("error", `Could not rotate the signing key: ${errorMessage(err)}`),
            onSettled: () => setRotating(false),
          })
        }
      >
        <p>
          A new key signs every command from now on (the worker switches within a minute). Devices that know only the
          current key refuse those commands until they are given the new JWKS. The current key stays in the JWKS until
          you retire it.
        </p>
      </ConfirmDialog>
    </TrustSection>
  );
}

function RetireSigningKey({ kid, active }: { kid: string; active: boolean }) {
  const [open, setOpen] = useState(false);
  const retire = useRetireSigningKey();
  const toast = useToast();
  return (
    <>
      <Button size="sm" variant="ghost" className="text-red-700!" onClick={() => setOpen(true)}>
        Retire<span className="sr-only"> key {kid}</span>
      </Button>
      <ConfirmDialog
        open={open}
        title="Retire this signing key?"
        confirmLabel="Retire key"
        pending={retire.isPending}
        onClose={() => setOpen(false)}
        onConfirm={() =>
          retire.mutate(kid, {
            onSuccess: () => toast("success", `Signing key ${kid} retired`),
            onError: (err) => toast("error", `Could not retire ${kid}: ${errorMessage(err)}`),
            onSettled: () => setOpen(false),
          })
        }
      >
        <p>
          Key <code className="font-mono break-all">{kid}</code> leaves the JWKS for good: commands it signed no longer
          verify.
          {active && " It is the active key: the newest of the others signs commands from now on."}
        </p>
      </ConfirmDialog>
    </>
  );
}
