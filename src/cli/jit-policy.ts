// A member runs with JavaScriptCore's last JIT tier (FTL) off. Under a steady write load its
// compiler threads kept compiling and recompiling FTL code long after the hot paths were warm
// (a fifth of the leader's CPU after 20,000 puts, in `perf`), while the code FTL makes is not
// what the member's time goes to (system calls, SQLite, the kernel's TCP). With the tier off the
// cluster spent less CPU per put and had a lower p99 in the same runs (docs/performance.md,
// docs/decisions.md). JSC reads its options once, at process start, from BUN_JSC_*
// environment variables, so `trireme start` replaces itself (execve: the same process id, so
// supervisors and signals are undisturbed) with the variable set, once, before it opens
// anything. An operator who sets BUN_JSC_useFTLJIT (to true or false) keeps that choice.

export const FTL_VARIABLE = "BUN_JSC_useFTLJIT";

type Env = Record<string, string | undefined>;

/** The command line that starts this program again with the same arguments. A compiled binary
 *  takes its own arguments (argv[1] is its embedded entry, not an argument); from source, bun
 *  takes its own flags, the script, then the arguments. */
export function selfCommandLine(argv: readonly string[], execArgv: readonly string[], main: string): string[] {
  const compiled = main.includes("$bunfs");
  return compiled ? [argv[0]!, ...argv.slice(2)] : [argv[0]!, ...execArgv, ...argv.slice(1)];
}

/** The environment to restart with, or undefined when this process already runs as it should:
 *  not on Bun (another runtime's JIT has no such tier), or the variable already set. */
export function serverJitEnv(env: Env, onBun: boolean): Record<string, string> | undefined {
  if (!onBun || env[FTL_VARIABLE] !== undefined) return undefined;
  const next: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) next[k] = v;
  next[FTL_VARIABLE] = "false";
  return next;
}

/** Replaces this process with itself under the server JIT policy; returns only when nothing is
 *  to change, or when the process cannot be replaced (the member then runs with the runtime's
 *  default JIT, and says so on stderr: slower, not wrong). */
export function restartWithServerJit(execPath: string = process.execPath, warn: (message: string) => void = console.error): void {
  const env = serverJitEnv(process.env, typeof Bun !== "undefined");
  if (env === undefined || typeof process.execve !== "function") return;
  const argv = selfCommandLine(process.argv, process.execArgv, Bun.main);
  try {
    process.execve(execPath, argv, env);
  } catch (err) {
    warn(`trireme: cannot restart with ${FTL_VARIABLE}=false (${(err as Error).message}); running with the runtime's default JIT`);
  }
}
