import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // Route handlers and pages read the database at request time; nothing is prerendered from it.
  typescript: { ignoreBuildErrors: false },
};

export default nextConfig;
