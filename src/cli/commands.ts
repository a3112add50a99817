// The registry of `trireme <command>`s. Each command lives in its own module.
import type { Command } from "./usage.ts";

export const commands: Command[] = [];
