"use client";

import type { ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";
import type { IssuedCredentials } from "@/lib/api-client/types";
import { CREDENTIAL_COLUMNS, toCsv } from "./device-csv";
import { downloadText } from "./download";

/**
 * A secret that exists only on this screen: the server keeps its hash, so once this
 * closes nobody can read it again, and a lost one means issuing new credentials.
 */
export function ShownOnceWarning({ children }: { children: ReactNode }) {
  return (
    <div className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900">
      <p className="font-semibold">Shown once: store it now.</p>
      <p className="mt-0.5">{children}</p>
    </div>
  );
}

/** A device's new MQTT login and the JWKS it verifies commands with, each with a copy button, and the login as a one-row CSV. */
export function CredentialsOnce({ issued, onDone }: { issued: IssuedCredentials; onDone: () => void }) {
  const { device_id, mqtt, signing_keys } = issued;
  const jwks = JSON.stringify(signing_keys);
  const csv = toCsv([CREDENTIAL_COLUMNS, [device_id, mqtt.client_id, mqtt.username, mqtt.password]]);
  return (
    <div className="space-y-4">
      <ShownOnceWarning>
        Flotilla keeps only a hash of the password and cannot show it again. Put it on the device (or in your
        provisioning system) before closing this; if it is lost, issue new credentials.
      </ShownOnceWarning>
      <dl aria-label={`MQTT credentials of ${device_id}`} className="space-y-3 text-sm">
        <Secret term="Client ID" value={mqtt.client_id} />
        <Secret term="Username" value={mqtt.username} />
        <Secret term="Password" value={mqtt.password} />
        <div>
          <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">Command-signing keys (JWKS)</dt>
          <dd className="mt-1">
            <span className="flex items-start gap-2">
              <code className="block min-w-0 flex-1 truncate rounded bg-slate-50 px-2 py-1 font-mono text-xs text-slate-700">
                {jwks}
              </code>
              <CopyButton text={jwks} label="Copy JWKS" what="JWKS copied" />
            </span>
            <span className="mt-1 block text-xs text-slate-500">
              Public: the device verifies every command with it. Also on the Device trust page.
            </span>
          </dd>
        </div>
      </dl>
      <div className="flex flex-wrap justify-end gap-2">
        <Button onClick={() => downloadText(`${device_id}-credentials.csv`, csv)}>Download CSV</Button>
        <Button variant="primary" onClick={onDone}>
          Done
        </Button>
      </div>
    </div>
  );
}

function Secret({ term, value }: { term: string; value: string }) {
  return (
    <div>
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{term}</dt>
      <dd className="mt-1 flex items-center gap-2">
        <code className="min-w-0 flex-1 break-all rounded bg-slate-50 px-2 py-1 font-mono text-[13px] text-slate-900">
          {value}
        </code>
        <CopyButton text={value} label={`Copy ${term.toLowerCase()}`} what={`${term} copied`} />
      </dd>
    </div>
  );
}
