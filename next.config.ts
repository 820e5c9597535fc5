import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // NEXT_DIST_DIR lets several builds live side by side (parallel test runs); `.next` otherwise.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  // Route handlers and pages read the database at request time; nothing is prerendered from it.
  typescript: { ignoreBuildErrors: false },
};

export default nextConfig;
