// What a data directory holds, read without writing anything: for `trireme data check`.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { checkLogDb } from "./log-db.ts";
import { MARKER_FILE, readMarker, type DataMarker } from "./marker.ts";
import { LOG_DB_FILE } from "./schema.ts";
import { SNAPSHOT_DIR, SnapshotStore, holdsImage } from "./snapshot-store.ts";
import { SNAPSHOT_NAME_RE } from "./snapshot-format.ts";

export interface SnapshotReport {
  name: string;
  index?: number;
  term?: number;
  size: number;
  /** A marker records where kv.db is durable; an image carries a copy of it. */
  kind?: "marker" | "image";
  checksumOk: boolean;
  problem?: string;
}

export interface DataDirReport {
  dir: string;
  marker?: DataMarker;
  log?: { file: string; bytes: number; firstIndex: number; lastIndex: number; entries: number };
  hardState?: { term: number; vote: number };
  snapshots: SnapshotReport[];
  /** Every problem found, each naming its file. Empty means the directory is sound. */
  problems: string[];
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function inspectDataDir(dir: string): Promise<DataDirReport> {
  const report: DataDirReport = { dir, snapshots: [], problems: [] };
  if (!existsSync(dir)) {
    report.problems.push(`${dir}: does not exist`);
    return report;
  }
  try {
    report.marker = readMarker(dir);
    if (report.marker === undefined) report.problems.push(`${join(dir, MARKER_FILE)}: missing; this is not a trireme data directory`);
  } catch (err) {
    report.problems.push(message(err));
  }
  const dbPath = join(dir, LOG_DB_FILE);
  if (!existsSync(dbPath)) {
    report.problems.push(`${dbPath}: missing`);
  } else {
    try {
      const expect = report.marker ? { clusterId: report.marker.clusterId, nodeId: report.marker.nodeId } : undefined;
      const s = checkLogDb(dbPath, expect);
      report.log = { file: dbPath, bytes: statSync(dbPath).size, firstIndex: s.firstIndex, lastIndex: s.lastIndex, entries: s.lastIndex - s.firstIndex + 1 };
      report.hardState = s.hardState;
    } catch (err) {
      report.problems.push(message(err));
    }
  }
  const snapDir = join(dir, SNAPSHOT_DIR);
  if (existsSync(snapDir) && report.marker !== undefined) {
    // open() would remove leftover temporary files; a check only reads.
    const store = SnapshotStore.forReading(dir, report.marker.clusterId, report.marker.nodeId);
    for (const name of readdirSync(snapDir).sort()) {
      const file = join(snapDir, name);
      if (!SNAPSHOT_NAME_RE.test(name)) {
        if (!name.startsWith(".tmp-")) report.problems.push(`${file}: unexpected file in the snapshot directory`);
        continue;
      }
      const r: SnapshotReport = { name, size: statSync(file).size, checksumOk: false };
      try {
        const info = await store.info(file);
        r.index = info.index;
        r.term = info.term;
        r.kind = holdsImage(info) ? "image" : "marker";
        await store.verify(info);
        r.checksumOk = true;
      } catch (err) {
        r.problem = message(err);
        report.problems.push(r.problem);
      }
      report.snapshots.push(r);
    }
  }
  return report;
}
