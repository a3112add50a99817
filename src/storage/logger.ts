import type { LogLevel } from "../config/types.ts";

/** Injected by the node; storage never prints on its own. */
export type Logger = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

export const silentLogger: Logger = () => {};
