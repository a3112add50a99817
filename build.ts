// Builds the single `trireme` binary for linux-x64 and linux-arm64 into dist/.
//   bun build.ts            both targets
//   bun build.ts --verify   also run each binary's --version (arm64 under qemu-aarch64-static if present)
// The arm64 runtime comes from the npm package @oven/bun-linux-aarch64 (same version as our bun),
// fetched with `npm pack` from the npm registry into node_modules/.cache, so no other download happens.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const root = resolve(import.meta.dirname);
const bun = process.execPath;

/** Extra entry points the binary loads at run time (worker threads must be bundled as entries). */
export const extraEntrypoints: string[] = ["src/storage/writer-worker.ts", "src/kv/checkpoint-worker.ts"];

const { values } = parseArgs({
  options: {
    verify: { type: "boolean", default: false },
    target: { type: "string", multiple: true },
  },
  strict: true,
});

const bunVersion = execFileSync(bun, ["--version"], { encoding: "utf8" }).trim();
const pinned = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).devDependencies.bun as string;
if (pinned !== bunVersion) {
  console.error(`build: running bun ${bunVersion} but package.json pins bun ${pinned}; run \`npm ci\``);
  process.exit(1);
}

function arm64Runtime(): string {
  const cache = join(root, "node_modules", ".cache", "trireme", `bun-linux-aarch64-${bunVersion}`);
  const exe = join(cache, "package", "bin", "bun");
  if (existsSync(exe)) return exe;
  mkdirSync(cache, { recursive: true });
  console.log(`fetching @oven/bun-linux-aarch64@${bunVersion} from the npm registry`);
  const tgz = execFileSync("npm", ["pack", "--silent", `@oven/bun-linux-aarch64@${bunVersion}`], {
    cwd: cache,
    encoding: "utf8",
  }).trim().split("\n").pop()!;
  execFileSync("tar", ["-xzf", tgz], { cwd: cache });
  if (!existsSync(exe)) throw new Error(`@oven/bun-linux-aarch64 did not contain package/bin/bun (in ${cache})`);
  return exe;
}

const targets = values.target ?? ["linux-x64", "linux-arm64"];
mkdirSync(join(root, "dist"), { recursive: true });
for (const target of targets) {
  if (target !== "linux-x64" && target !== "linux-arm64") {
    console.error(`build: unknown target "${target}" (expected linux-x64 or linux-arm64)`);
    process.exit(2);
  }
  const out = join(root, "dist", `trireme-${target}`);
  const args = [
    "build", "--compile", "--minify", "--bytecode", "--format=esm", `--target=bun-${target}`,
    // The binary must not pick up a bunfig.toml, .env, tsconfig or package.json from where it runs.
    "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig",
    "src/main.ts", ...extraEntrypoints, "--outfile", out,
  ];
  if (target === "linux-arm64") args.push(`--compile-executable-path=${arm64Runtime()}`);
  const t0 = performance.now();
  execFileSync(bun, args, { cwd: root, stdio: "inherit" });
  console.log(`${out}: ${(statSync(out).size / 2 ** 20).toFixed(1)} MiB in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (values.verify) {
    const qemu = ["/usr/bin/qemu-aarch64-static", "/usr/bin/qemu-aarch64"].find(existsSync);
    if (target === "linux-arm64" && qemu === undefined) {
      console.log("verify: qemu-user-static not installed; skipping the arm64 run");
      continue;
    }
    const cmd = target === "linux-arm64" ? qemu! : out;
    const cmdArgs = target === "linux-arm64" ? ["-L", "/usr/aarch64-linux-gnu", out, "--version"] : ["--version"];
    const version = execFileSync(cmd, cmdArgs, { cwd: "/", encoding: "utf8" }).trim();
    console.log(`verify ${target}: ${version}`);
  }
}
