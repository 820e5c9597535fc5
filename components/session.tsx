"use client";

import { createContext, useContext, type ReactNode } from "react";
import type { Role } from "@/lib/db/schema";

export interface Session {
  email: string;
  role: Role;
  tenantId: string;
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
const SessionContext = createContext<Session | null>(null);

/** The signed-in user, for client components (set once by the /app layout). */
export function SessionProvider({ session, children }: { session: Session; children: ReactNode }) {
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error("useSession outside SessionProvider");
  return s;
}

/** Whether the user may take actions that need `role`: viewers see no action they cannot take. */
export function useCan(role: Role = "operator"): boolean {
  return RANK[useSession().role] >= RANK[role];
}
