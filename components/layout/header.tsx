import type { Principal } from "@/lib/auth/token";

export function Header({ principal, tenantName }: { principal: Principal; tenantName: string }) {
  return (
    <header className="flex items-center justify-between border-b border-slate-200 bg-white px-6 py-3">
      <p className="text-sm text-slate-600">
        <span className="sr-only">Tenant: </span>
        <span className="font-medium text-slate-900">{tenantName}</span>
      </p>
      <div className="flex items-center gap-4 text-sm">
        <span className="text-slate-600">
          {principal.email}{" "}
          <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-700">{principal.role}</span>
        </span>
        <form method="post" action="/auth/logout">
          <button type="submit" className="rounded-md px-2 py-1 text-slate-600 hover:bg-slate-100">
            Sign out
          </button>
        </form>
      </div>
    </header>
  );
}
