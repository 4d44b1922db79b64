import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// Built into <build>/ui-dist by CMake (host/server/CMakeLists.txt) and embedded in the binary.
// Hashed file names under assets/ are served as immutable. `npm run dev` proxies the API to a
// running `assetflow serve` on port 8765.
export default defineConfig({
  plugins: [react()],
  build: { assetsDir: "assets", sourcemap: false, chunkSizeWarningLimit: 2000 },
  server: { proxy: { "/api": "http://127.0.0.1:8765" } },
});
