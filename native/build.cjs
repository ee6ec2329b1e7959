// Builds the optional native gemm (binding.gyp -> build/Release/gptlab_native.node) at `npm install`; on any
// failure (no compiler, no headers, no network for headers) it prints one line and install carries on: the
// WebAssembly kernels then do all the work. GPTLAB_NATIVE=0 skips the build.
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

function nodeGyp() {
  // npm passes its own node-gyp to install scripts; else the one bundled with npm next to this node
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
  ];
  try {
    candidates.push(require.resolve("node-gyp/bin/node-gyp.js"));
  } catch {
    // not installed as a package: fine
  }
  return candidates.find((c) => c && fs.existsSync(c));
}

/** Why the addon cannot build here (its kernels are x86 intrinsics with GCC/Clang attributes), or null. */
function unsupported(platform, arch) {
  if (arch !== "x64" && arch !== "ia32") return `its kernels use x86 AVX2/AVX-512 instructions and this CPU is ${arch}`;
  if (platform === "win32") return "its kernels need GCC or Clang, and node-gyp builds with MSVC on Windows";
  return null;
}

function main() {
  if (process.env.GPTLAB_NATIVE === "0") return;
  const why = unsupported(process.platform, process.arch);
  if (why) {
    console.log(`gptlab: native kernels not built (${why}); the WebAssembly kernels will be used`);
    return;
  }
  const gyp = nodeGyp();
  if (!gyp) {
    console.log("gptlab: native gemm not built (node-gyp not found); the WebAssembly kernels will be used");
    return;
  }
  const args = [gyp, "rebuild"];
  // the headers that ship with this node (e.g. /usr/include/node), so node-gyp does not download them
  const prefix = path.join(path.dirname(process.execPath), "..");
  if (!process.env.npm_config_nodedir && fs.existsSync(path.join(prefix, "include", "node", "node_api.h"))) args.push(`--nodedir=${path.resolve(prefix)}`);
  const r = spawnSync(process.execPath, args, { cwd: path.join(__dirname, ".."), encoding: "utf8" });
  if (r.status !== 0) {
    const why = `${r.stderr || ""}${r.stdout || ""}`.split("\n").find((l) => /error|not found|ERR/i.test(l)) || `exit ${r.status}`;
    console.log(`gptlab: native gemm not built (${why.trim()}); the WebAssembly kernels will be used`);
    return;
  }
  console.log("gptlab: native gemm built (build/Release/gptlab_native.node)");
}

module.exports = { unsupported };
if (require.main === module) {
  try {
    main();
  } catch (e) {
    console.log(`gptlab: native gemm not built (${e && e.message}); the WebAssembly kernels will be used`);
  }
}
