// The pieces of the full-disk handling (node/disk-space.ts): which errors are a full disk, the
// reserve written only when there is room and released on demand, and the wait for room.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DiskFullError, freeBytes, isDiskFull, releaseReserve, RESERVE_FILE, reserveBytes, reserveBytesFor, SpaceReserve, waitForSpace } from "../../src/node/disk-space.ts";

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), "trireme-space-"));
  dirs.push(d);
  return d;
};
const silent = () => {};

describe("full disk handling", () => {
  test("SQLite's and the OS's out-of-space errors are a full disk, through causes too; others are not", () => {
    assert.equal(isDiskFull(new Error("database or disk is full")), true);
    assert.equal(isDiskFull(Object.assign(new Error("write failed"), { code: "ENOSPC" })), true);
    assert.equal(isDiskFull(new Error("ENOSPC: no space left on device, write")), true);
    assert.equal(isDiskFull(new Error("kv store x: committing applied entries failed", { cause: new Error("database or disk is full") })), true);
    assert.equal(isDiskFull(new DiskFullError("/d", new Error("database or disk is full"))), true);
    assert.equal(isDiskFull(new Error("database disk image is malformed")), false);
    assert.equal(isDiskFull("disk is full"), false, "only errors");
  });

  test("the reserve is 5 % of the filesystem within 1-64 MiB, written in full, and released once", async () => {
    const dir = fresh();
    const bytes = reserveBytesFor(dir);
    assert.ok(bytes >= 1 << 20 && bytes <= 64 << 20, `reserve ${bytes}`);
    const r = new SpaceReserve(dir, silent, 3 << 20);
    assert.equal(r.held, false);
    assert.equal(await r.ensure(), true);
    assert.equal(r.held, true);
    assert.equal(statSync(join(dir, RESERVE_FILE)).size, 3 << 20);
    assert.equal(existsSync(join(dir, `${RESERVE_FILE}.partial`)), false);
    assert.equal(r.release(), true);
    assert.equal(r.held, false);
    assert.equal(releaseReserve(dir, silent), false, "nothing left to release");
  });

  test("no reserve is written where it would take more than half the free space", async () => {
    const dir = fresh();
    const r = new SpaceReserve(dir, silent, Math.floor(freeBytes(dir) / 2) + (1 << 20));
    assert.equal(await r.ensure(), false);
    assert.equal(existsSync(join(dir, RESERVE_FILE)), false);
  });

  test("limits.space_reserve_mib: -1 is the 5 % default, 0 none (nothing written, always in place), else that many MiB", async () => {
    const dir = fresh();
    assert.equal(reserveBytes(dir, -1), reserveBytesFor(dir));
    assert.equal(reserveBytes(dir, 3), 3 * 1024 * 1024);
    const none = new SpaceReserve(dir, silent, reserveBytes(dir, 0));
    assert.equal(await none.ensure(), true, "no reserve configured: nothing to wait for");
    assert.equal(existsSync(join(dir, RESERVE_FILE)), false, "and no file written");
    const small = new SpaceReserve(dir, silent, reserveBytes(dir, 1));
    assert.equal(await small.ensure(), true);
    assert.equal(statSync(join(dir, RESERVE_FILE)).size, 1024 * 1024);
  });

  test("waitForSpace returns at once when there is room, and when told to stop", async () => {
    const dir = fresh();
    await waitForSpace(dir, 1, () => false, silent, 10);
    let polls = 0;
    await waitForSpace(dir, Number.MAX_SAFE_INTEGER, () => ++polls > 2, silent, 10);
    assert.equal(polls, 3);
  });
});
