// The Ready loop's byte budget for snapshots: which applied entries the core still holds and how
// large they are, so a compaction keeps no more bytes behind a snapshot than the budget allows.

/** Sizes of applied entries the core still holds, oldest first, and the bytes applied since the
 *  last snapshot. Entries restored at start-up are not counted until the first compaction. */
export class HeldEntries {
  private indexes: number[] = [];
  private sizes: number[] = [];
  private head = 0;
  budgetUsed = 0;

  push(index: number, bytes: number): void {
    this.indexes.push(index);
    this.sizes.push(bytes);
  }

  resetBudget(): void {
    this.budgetUsed = 0;
  }

  /** How many entries just below `upTo` (inclusive) fit in `bytes`. */
  countWithin(upTo: number, bytes: number): number {
    let n = 0;
    let sum = 0;
    for (let i = this.indexes.length - 1; i >= this.head; i--) {
      if (this.indexes[i] > upTo) continue;
      sum += this.sizes[i];
      if (sum > bytes) return n;
      n++;
    }
    return Infinity; // the rest was restored, not applied here: the entry count decides
  }

  dropThrough(index: number): void {
    while (this.head < this.indexes.length && this.indexes[this.head] <= index) this.head++;
    if (this.head > 1024 && this.head * 2 > this.indexes.length) {
      this.indexes = this.indexes.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
  }
}
