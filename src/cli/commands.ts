// The registry of `trireme <command>`s. Each command lives in its own module.
import type { Command } from "./usage.ts";
import { configCheckCommand } from "./config-check.ts";
import { initCommand } from "./init.ts";
import { certsCommand } from "./certs.ts";
import { dataCheck } from "./data-check.ts";
import { dataRestore } from "./data-restore.ts";
import { benchCommand } from "./bench.ts";
import { startCommand } from "./start.ts";
import { clientCommands } from "./client/index.ts";

export const commands: Command[] = [initCommand, certsCommand, startCommand, configCheckCommand, dataCheck, dataRestore, benchCommand, ...clientCommands];
