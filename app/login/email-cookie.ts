/**
 * After a failed sign-in the form comes back with the email already typed. The login
 * route keeps it in a short-lived cookie scoped to /login rather than in the redirect's
 * URL, so an address never lands in browser history, server logs or a Referer.
 */
export const LOGIN_EMAIL_COOKIE = "flotilla_login_email";
const MAX_AGE_SECONDS = 300;
const MAX_EMAIL_LENGTH = 320;

export function rememberEmail(email: unknown, secure: boolean): string | null {
  if (typeof email !== "string") return null;
  const value = email.trim().slice(0, MAX_EMAIL_LENGTH);
  if (!value) return null;
  return [
    `${LOGIN_EMAIL_COOKIE}=${encodeURIComponent(value)}`,
    "Path=/login",
    "HttpOnly",
    "SameSite=Lax",
    `Max-Age=${MAX_AGE_SECONDS}`,
    ...(secure ? ["Secure"] : []),
  ].join("; ");
}

export const forgetEmail = () => `${LOGIN_EMAIL_COOKIE}=; Path=/login; HttpOnly; SameSite=Lax; Max-Age=0`;

export function rememberedEmail(raw: string | undefined): string {
  if (!raw) return "";
  try {
    return decodeURIComponent(raw).slice(0, MAX_EMAIL_LENGTH);
  } catch {
    return "";
  }
}
