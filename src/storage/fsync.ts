// Durable file operations: a rename is only durable once the directory holding it is synced.
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from "node:fs";
import { open, rename } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";

export async function syncDir(dir: string): Promise<void> {
  const h = await open(dir, "r");
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/** Writes all of `data` (FileHandle.write may write less than asked). */
export async function writeAll(h: FileHandle, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.byteLength) {
    const { bytesWritten } = await h.write(data, off, data.byteLength - off);
    off += bytesWritten;
  }
}

/** Replace `to` with `from` atomically and durably: sync the file, rename, sync the directory. */
export async function durableRename(from: string, to: string, dir: string): Promise<void> {
  await rename(from, to);
  await syncDir(dir);
}

export async function writeFileDurably(path: string, tmp: string, dir: string, data: Uint8Array): Promise<void> {
  // "w": a temporary file left by a crash is ours to overwrite.
  const h = await open(tmp, "w");
  try {
    await writeAll(h, data);
    await h.sync();
  } finally {
    await h.close();
  }
  await durableRename(tmp, path, dir);
}

/** writeFileDurably for the few small files start-up and membership write at once (no await in
 *  the middle: nothing else runs between the write and the rename). */
export function writeFileDurablySync(path: string, tmp: string, dir: string, text: string): void {
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const d = openSync(dir, "r");
  try {
    fsyncSync(d);
  } finally {
    closeSync(d);
  }
}
