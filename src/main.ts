#!/usr/bin/env bun
// The binary's entry point: `trireme <command> [flags]`.
import pkg from "../package.json" with { type: "json" };
import { commands } from "./cli/commands.ts";
import { restartWithServerJit } from "./cli/jit-policy.ts";
import { UsageError } from "./cli/usage.ts";

export const VERSION: string = pkg.version;

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length), 4);
  return [
    `trireme ${VERSION}: a Raft key-value node that speaks the etcd v3 API`,
    "",
    "Usage: trireme <command> [flags]",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Flags:",
    "  -h, --help     show help (also `trireme <command> --help`)",
    "  -V, --version  print the version",
  ].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    console.log(help());
    return 0;
  }
  if (first === "--version" || first === "-V" || first === "version") {
    console.log(`trireme ${VERSION}`);
    return 0;
  }
  // Commands may have a two-word name ("config check", "data check").
  const command = commands.find((c) => c.name === `${first} ${rest[0]}`) ?? commands.find((c) => c.name === first);
  if (command === undefined) {
    console.error(`trireme: unknown command "${first}"\n\n${help()}`);
    return 2;
  }
  const args = command.name.includes(" ") ? rest.slice(1) : rest;
  if (args.includes("--help") || args.includes("-h")) {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(args);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`trireme ${command.name}: ${err.message}\n\n${err.usage}`);
      return 2;
    }
    throw err;
  }
}

if (import.meta.main) {
  // Only a member is long-lived enough for its JIT policy to matter (cli/jit-policy.ts).
  if (process.argv[2] === "start") restartWithServerJit();
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`trireme: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
