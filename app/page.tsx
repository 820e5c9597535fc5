import { redirect } from "next/navigation";
import { currentPrincipal } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

export default async function Home() {
  redirect((await currentPrincipal()) ? "/app/ota/campaigns" : "/login");
}
