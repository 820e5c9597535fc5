import { sessionCookie } from "@/lib/auth/request";
import { open } from "@/lib/http/handler";

export const POST = open(
  async () =>
    new Response(null, { status: 303, headers: { Location: "/login", "Set-Cookie": sessionCookie("", 0, false) } }),
);
