import type { Store, StoreOps } from './store.js';

interface Pending<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (reason: unknown) => void;
}

/**
 * Group commit. Work submitted during one turn of the event loop runs in one store transaction, committed
 * once (a commit is most of a lobby join's cost: bench/results/lobby-profile-*.md); each caller's promise
 * settles only after that commit, so nothing is reported done before it is durable.
 *
 * `work` runs item after item, in submission order, on the transaction's handle, so it sees what the items
 * before it wrote (a code redeemed earlier in the batch is used). It returns expected refusals as values and
 * throws only when something is wrong: then the whole transaction is rolled back and every item is run again
 * in a transaction of its own, so one failing item cannot lose the others. `work` may therefore run twice for
 * an item; it must make any effect outside the store idempotent per item.
 */
export class GroupCommit<I, O> {
  private pending: Pending<I, O>[] = [];
  private scheduled = false;

  constructor(
    private readonly store: Pick<Store, 'transaction'>,
    private readonly work: (tx: StoreOps, item: I) => Promise<O>,
    /** Bounds a commit's size (and so the wait of the first item in it). */
    private readonly maxBatch = 256,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // After the I/O callbacks of this loop turn: every request that arrived with this one joins it.
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.pending.splice(0, this.maxBatch);
    if (this.pending.length) {
      this.scheduled = true;
      setImmediate(() => void this.flush());
    }
    let results: O[];
    try {
      results = await this.store.transaction(async (tx) => {
        const out: O[] = [];
        for (const p of batch) out.push(await this.work(tx, p.item));
        return out;
      });
    } catch {
      for (const p of batch) {
        try {
          p.resolve(await this.store.transaction((tx) => this.work(tx, p.item)));
        } catch (err) {
          p.reject(err);
        }
      }
      return;
    }
    batch.forEach((p, i) => p.resolve(results[i] as O));
  }
}
