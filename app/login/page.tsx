import type { Metadata } from "next";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { currentPrincipal } from "@/lib/auth/session";
import { LOGIN_EMAIL_COOKIE, rememberedEmail } from "./email-cookie";

export const metadata: Metadata = { title: "Sign in · Flotilla" };

export const dynamic = "force-dynamic";

const ERRORS: Record<string, string> = {
  invalid: "Wrong email or password.",
  input: "Enter an email address and a password.",
  // Same words whether or not the account exists (lib/auth/throttle.ts).
  throttled: "Too many failed sign-in attempts. Wait a little, then try again (at most 15 minutes).",
};

/** A plain form posting to /auth/login: signing in works even before any JavaScript loads. */
export default async function LoginPage({ searchParams }: { searchParams: Promise<{ error?: string }> }) {
  if (await currentPrincipal()) redirect("/app/ota/campaigns");
  const { error } = await searchParams;
  const message = error ? (ERRORS[error] ?? ERRORS.invalid) : undefined;
  // Kept only after a failed attempt: the email typed, so that only the password is retyped.
  const email = message ? rememberedEmail((await cookies()).get(LOGIN_EMAIL_COOKIE)?.value) : "";
  return (
    <main id="main" tabIndex={-1} className="flex min-h-screen items-center justify-center p-6 focus:outline-none">
      <div className="w-full max-w-sm rounded-xl border border-slate-200 bg-white p-8 shadow-sm">
        <h1 className="text-2xl font-semibold tracking-tight">Flotilla</h1>
        <p className="mt-1 text-sm text-slate-600">Sign in to manage your fleet&apos;s firmware.</p>
        {message && (
          <p role="alert" className="mt-4 rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
            {message}
          </p>
        )}
        <form method="post" action="/auth/login" className="mt-6 space-y-4">
          <label className="block text-sm font-medium">
            Email
            <input
              name="email"
              type="email"
              autoComplete="username"
              required
              defaultValue={email}
              className="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm focus:border-sky-500 focus:outline-none focus:ring-2 focus:ring-sky-200"
            />
          </label>
          <label className="block text-sm font-medium">
            Password
            <input
              name="password"
              type="password"
              autoComplete="current-password"
              required
              autoFocus={!!email}
              className="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm focus:border-sky-500 focus:outline-none focus:ring-2 focus:ring-sky-200"
            />
          </label>
          <button
            type="submit"
            className="w-full rounded-md bg-sky-700 px-3 py-2 text-sm font-semibold text-white hover:bg-sky-800 focus:outline-none focus:ring-2 focus:ring-sky-300"
          >
            Sign in
          </button>
        </form>
      </div>
    </main>
  );
}
