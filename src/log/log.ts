// Structured logs: one JSON object a line, or a human line on a TTY. Every part that logs takes
// a `LogFn` (a plain function, so tests pass a closure); the member builds one `Logger` at start
// and hands its `log` around.
import type { LogLevel, LogSection } from "../config/types.ts";

export type { LogLevel };
export type LogFields = Record<string, unknown>;
/** The one logging type every part takes. */
export type LogFn = (level: LogLevel, msg: string, fields?: LogFields) => void;

/** For parts used without a logger (tools, tests): they never print on their own. */
export const silentLog: LogFn = () => {};

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  log: LogFn;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose lines all carry `fields` (e.g. the node id). */
  child(fields: LogFields): Logger;
}

export function createLogger(
  section: LogSection,
  write: (line: string) => void = (line) => process.stderr.write(line + "\n"),
  isTty: boolean = process.stderr.isTTY === true,
  base: LogFields = {},
): Logger {
  const json = section.format === "json" || (section.format === "auto" && !isTty);
  const min = rank[section.level];
  const log: LogFn = (level, msg, fields) => {
    if (rank[level] < min) return;
    const all = { ...base, ...fields };
    if (json) {
      write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...all }, jsonSafe));
    } else {
      const extra = Object.entries(all).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v, jsonSafe)}`);
      write(`${new Date().toISOString().slice(11, 23)} ${level.toUpperCase().padEnd(5)} ${msg}${extra.length ? " " + extra.join(" ") : ""}`);
    }
  };
  return {
    log,
    debug: (m, f) => log("debug", m, f),
    info: (m, f) => log("info", m, f),
    warn: (m, f) => log("warn", m, f),
    error: (m, f) => log("error", m, f),
    child: (fields) => createLogger(section, write, isTty, { ...base, ...fields }),
  };
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return value.message;
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  return value;
}
