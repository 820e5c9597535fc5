"use client";

import { useCan } from "@/components/session";
import { errorMessage } from "@/components/ui/api-errors";
import { Button } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";
import { ErrorState, Loading } from "@/components/ui/states";
import { DataTable, Td, Th } from "@/components/ui/table";
import { DateTime } from "@/components/ui/time";
import { useToast } from "@/components/ui/toast";
import {
  useSigningKeys,
  useSigningKeyStatus,
  useStageSigningKey,
  type SigningKeyWithStatus,
} from "@/lib/api-client/trust";
import { TrustSection } from "./device-trust";
import { ActivateSigningKey, RetireSigningKey } from "./signing-key-actions";

/**
 * The tenant's command-signing keys. Every key listed is in the JWKS devices are
 * provisioned with; the active one signs. A rotation is two steps with the fleet in
 * between (stage, give devices the JWKS, activate), because a device refuses a command
 * signed by a key it was never given: the page says so where the buttons are.
 */
export function SigningKeys() {
  const isAdmin = useCan("admin");
  const jwksQuery = useSigningKeys();
  const q = useSigningKeyStatus();
  const stage = useStageSigningKey();
  const toast = useToast();
  const jwks = jwksQuery.data ? JSON.stringify(jwksQuery.data, null, 2) : "";

  return (
    <TrustSection
      id="signing-keys"
      title="Command-signing keys"
      description={
        <>
          Flotilla signs every command it sends a device with the active key (Ed25519). Devices verify it with this
          JWKS, which registration and new credentials hand out.
        </>
      }
      actions={
        <>
          {jwksQuery.data && <CopyButton text={jwks} label="Copy JWKS" what="JWKS copied" />}
          {isAdmin && (
            <Button
              onClick={() =>
                stage.mutate(undefined, {
                  onSuccess: (k) =>
                    toast("success", `Key ${k.kid} staged: give devices the new JWKS, then activate it`),
                  onError: (err) => toast("error", `Could not stage a key: ${errorMessage(err)}`),
                })
              }
              disabled={!q.data || stage.isPending}
            >
              {stage.isPending ? "Staging…" : "Stage a new key"}
            </Button>
          )}
        </>
      }
    >
      <RotationSteps />
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
                <Th>Created</Th>
                <Th>Status</Th>
                {isAdmin && (
                  <Th>
                    <span className="sr-only">Actions</span>
                  </Th>
                )}
              </>
            }
          >
            {q.data.keys.map((k) => (
              <tr key={k.kid}>
                <Td className="whitespace-nowrap">
                  <span className="inline-flex items-center gap-1">
                    <code className="font-mono text-[13px]">{k.kid}</code>
                    <CopyButton text={k.kid} label={`Copy key ID ${k.kid}`} what="Key ID copied" />
                  </span>
                </Td>
                <Td className="whitespace-nowrap">
                  <DateTime iso={k.created_at} />
                </Td>
                <Td>
                  <KeyStatus signingKey={k} />
                </Td>
                {isAdmin && (
                  <Td className="whitespace-nowrap text-right">
                    {k.status !== "active" && <ActivateSigningKey signingKey={k} />}
                    {mayRetire(k, q.data.keys) && <RetireSigningKey signingKey={k} />}
                  </Td>
                )}
              </tr>
            ))}
          </DataTable>
          {jwksQuery.data && (
            <details className="mt-3 text-sm">
              <summary className="cursor-pointer font-medium text-slate-700">Show the JWKS</summary>
              <pre
                aria-label="JWKS"
                className="mt-2 max-h-72 overflow-auto rounded-md border border-slate-200 bg-slate-50 p-3 font-mono text-xs text-slate-800"
              >
                {jwks}
              </pre>
            </details>
          )}
        </>
      )}
    </TrustSection>
  );
}

/**
 * A key may go while another activated key remains to sign (the server refuses the rest
 * with a 409 and says why; this only spares the button that could not succeed). A staged
 * key is not trusted by the fleet yet, so it cannot be the one left.
 */
const mayRetire = (k: SigningKeyWithStatus, keys: SigningKeyWithStatus[]) =>
  keys.some((o) => o.kid !== k.kid && o.status !== "staged");

function RotationSteps() {
  return (
    <div className="mb-4 rounded-lg border border-slate-200 bg-slate-50 p-4 text-sm text-slate-700">
      <p className="font-medium text-slate-900">Rotating the key takes three steps</p>
      <ol className="mt-2 list-decimal space-y-1 pl-5">
        <li>
          <strong className="font-medium">Stage a new key.</strong> It joins the JWKS at once but signs nothing yet.
        </li>
        <li>
          <strong className="font-medium">Give your devices the new JWKS:</strong> issue them new credentials (the
          answer carries it) or deliver it through your own channel. Devices registered from now on get it anyway.
        </li>
        <li>
          <strong className="font-medium">Activate the new key.</strong> It signs every command from then on; a device
          that was not given it refuses those commands. The previous key stays in the JWKS, verifying what it signed,
          until you retire it.
        </li>
      </ol>
    </div>
  );
}

function KeyStatus({ signingKey: k }: { signingKey: SigningKeyWithStatus }) {
  if (k.status === "active") {
    return (
      <>
        <span className="whitespace-nowrap rounded-full bg-emerald-50 px-2 py-0.5 text-xs font-medium text-emerald-800">
          Active: signs commands
        </span>
        {k.activated_at && (
          <span className="mt-0.5 block text-xs text-slate-500">
            since <DateTime iso={k.activated_at} />
          </span>
        )}
      </>
    );
  }
  if (k.status === "staged") {
    return (
      <>
        <span className="whitespace-nowrap rounded-full bg-amber-50 px-2 py-0.5 text-xs font-medium text-amber-800">
          Staged: not signing yet
        </span>
        <span className="mt-0.5 block text-xs text-slate-500">In the JWKS: give it to devices, then activate.</span>
      </>
    );
  }
  return <span className="text-slate-600">Previous: verifies what it signed until retired</span>;
}
