// Batches handed to the writer and not yet reported durable, oldest first. The writer joins
// queued batches into one transaction, so one report can cover several of them.

export interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

interface Batch {
  seq: number;
  /** Highest log index this batch makes durable (lowered if a truncation cut into it). */
  end: number;
  entries: number;
  hardStateWaiters: Waiter[];
}

export class InFlight {
  private readonly batches: Batch[] = [];

  get length(): number {
    return this.batches.length;
  }

  push(b: Batch): void {
    this.batches.push(b);
  }

  /** A suffix truncation from `index`: no batch makes the replaced entries durable any more. */
  truncateFrom(index: number): void {
    for (const b of this.batches) if (b.end >= index) b.end = index - 1;
  }

  /** The report "every batch through `seq` is durable": what they covered together, or a
   *  message when `seq` is not one of them (a protocol error, fatal). */
  take(seq: number): { end: number; entries: number; waiters: Waiter[] } | string {
    const first = this.batches[0];
    const last = this.batches.at(-1);
    if (first === undefined || seq < first.seq || seq > last!.seq) {
      return `writer acknowledged batch ${seq} but batches ${first?.seq ?? "(none)"}..${last?.seq ?? "(none)"} were in flight`;
    }
    let end = 0;
    let entries = 0;
    const waiters: Waiter[] = [];
    while (this.batches.length > 0 && this.batches[0]!.seq <= seq) {
      const b = this.batches.shift()!;
      end = Math.max(end, b.end);
      entries += b.entries;
      waiters.push(...b.hardStateWaiters);
    }
    return { end, entries, waiters };
  }

  /** Everything is lost (the writer failed): the waiters to reject. */
  clear(): Waiter[] {
    return this.batches.splice(0).flatMap((b) => b.hardStateWaiters);
  }
}
