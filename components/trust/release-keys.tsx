"use client";

import { useState } from "react";
import { useCan } from "@/components/session";
import { errorMessage } from "@/components/ui/api-errors";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { CopyButton } from "@/components/ui/copy-button";
import { Empty, ErrorState, Loading } from "@/components/ui/states";
import { DataTable, Td, Th } from "@/components/ui/table";
import { DateTime } from "@/components/ui/time";
import { useToast } from "@/components/ui/toast";
import { useReleaseKeys, useRetireReleaseKey } from "@/lib/api-client/trust";
import type { ReleaseKey } from "@/lib/api-client/types";
import { AddReleaseKeyDialog } from "./add-release-key-dialog";
import { TrustSection } from "./device-trust";

/** The operator's own Ed25519 public keys, whose private halves sign firmware offline in the build pipeline. */
export function ReleaseKeys() {
  const isAdmin = useCan("admin");
  const q = useReleaseKeys();
  const [adding, setAdding] = useState(false);
  return (
    <TrustSection
      id="release-keys"
      title="Release keys"
      description={
        <>
          Your build pipeline signs each image&apos;s SHA-256 with a release key (
          <code className="font-mono">npm run sign-firmware</code>); Flotilla checks the signature when firmware is
          added and passes it on, so that a device holding the key can check the image itself.
        </>
      }
      actions={
        isAdmin && (
          <Button variant="primary" onClick={() => setAdding(true)}>
            Add release key
          </Button>
        )
      }
    >
      {q.isPending ? (
        <Loading label="Loading release keys…" />
      ) : q.isError ? (
        <ErrorState error={q.error} retry={() => void q.refetch()} />
      ) : q.data.release_keys.length === 0 ? (
        <Empty title="No release keys yet">
          {isAdmin ? "Add the public half of your build pipeline's key." : "An admin can add one here."}
        </Empty>
      ) : (
        <DataTable
          label="Release keys"
          head={
            <>
              <Th>Name</Th>
              <Th>Key ID</Th>
              <Th>Added</Th>
              <Th>Status</Th>
              {isAdmin && (
                <Th>
                  <span className="sr-only">Actions</span>
                </Th>
              )}
            </>
          }
        >
          {q.data.release_keys.map((k) => (
            <tr key={k.kid} className={k.retired_at ? "text-slate-500" : undefined}>
              <Td className="font-medium">{k.name}</Td>
              <Td className="whitespace-nowrap">
                <span className="inline-flex items-center gap-1">
                  <code className="font-mono text-[13px]">{k.kid}</code>
                  <CopyButton
                    text={JSON.stringify(k.public_key)}
                    label={`Copy public key of ${k.name}`}
                    what="Public key (JWK) copied"
                  />
                </span>
              </Td>
              <Td className="whitespace-nowrap">
                <DateTime iso={k.created_at} />
                {k.created_by && <span className="block text-xs text-slate-500">by {k.created_by}</span>}
              </Td>
              <Td className="whitespace-nowrap">
                {k.retired_at ? (
                  <>
                    Retired <DateTime iso={k.retired_at} />
                  </>
                ) : (
                  <span className="rounded-full bg-emerald-50 px-2 py-0.5 text-xs font-medium text-emerald-800">
                    Active
                  </span>
                )}
              </Td>
              {isAdmin && <Td className="text-right">{!k.retired_at && <RetireReleaseKey releaseKey={k} />}</Td>}
            </tr>
          ))}
        </DataTable>
      )}
      <AddReleaseKeyDialog open={adding} onClose={() => setAdding(false)} />
    </TrustSection>
  );
}

function RetireReleaseKey({ releaseKey: k }: { releaseKey: ReleaseKey }) {
  const [open, setOpen] = useState(false);
  const retire = useRetireReleaseKey();
  const toast = useToast();
  return (
    <>
      <Button size="sm" variant="ghost" className="text-red-700!" onClick={() => setOpen(true)}>
        Retire<span className="sr-only"> {k.name}</span>
      </Button>
      <ConfirmDialog
        open={open}
        title={`Retire release key ${k.name}?`}
        confirmLabel="Retire key"
        pending={retire.isPending}
        onClose={() => setOpen(false)}
        onConfirm={() =>
          retire.mutate(k.kid, {
            onSuccess: () => toast("success", `Release key ${k.name} retired`),
            onError: (err) => toast("error", `Could not retire ${k.name}: ${errorMessage(err)}`),
            onSettled: () => setOpen(false),
          })
        }
      >
        <p>
          From now on it verifies no new firmware; firmware already added keeps its signature. Retiring cannot be
          undone. If signed firmware is required and this is the last active key, no firmware can be added until another
          key is.
        </p>
      </ConfirmDialog>
    </>
  );
}
