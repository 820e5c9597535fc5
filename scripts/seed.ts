/** `npm run seed`: writes the demo data into DATABASE_URL (idempotent). */
import { firmwareDir, requireDatabaseUrl } from "@/lib/config";
import { createDb } from "@/lib/db/client";
import { seedDemo } from "@/lib/demo/seed";

const handle = createDb(requireDatabaseUrl(), { max: 2, name: "flotilla-seed" });
try {
  await seedDemo(handle.db, { firmwareDir: firmwareDir() });
  console.log("demo data seeded");
} finally {
  await handle.close();
}
