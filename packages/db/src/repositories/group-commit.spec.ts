import { GroupCommit } from './delivery-ledger.js';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe(GroupCommit.name, () => {
  it('writes the calls made while a write is in flight together, each caller getting its own result', async () => {
    const groups: number[][] = [];
    const gates: ReturnType<typeof deferred<void>>[] = [];
    const commit = new GroupCommit<number, number>(async (items) => {
      groups.push(items);
      const gate = deferred<void>();
      gates.push(gate);
      await gate.promise;
      return items.map((n) => n * 10);
    }, 1);

    const first = commit.submit(1);
    const rest = [2, 3, 4].map((n) => commit.submit(n));
    expect(groups).toEqual([[1]]);
    gates[0]!.resolve();
    await expect(first).resolves.toBe(10);
    await new Promise((r) => setImmediate(r));
    expect(groups).toEqual([[1], [2, 3, 4]]);
    gates[1]!.resolve();
    await expect(Promise.all(rest)).resolves.toEqual([20, 30, 40]);
  });

  it('fails every call of a group whose write failed, and goes on with the next group', async () => {
    let calls = 0;
    const commit = new GroupCommit<number, number>(async (items) => {
      calls += 1;
      await new Promise((r) => setImmediate(r));
      if (calls === 1) throw new Error('connection lost');
      return items;
    }, 1);
    const first = commit.submit(1);
    const second = [commit.submit(2), commit.submit(3)];
    await expect(first).rejects.toThrow('connection lost');
    await expect(Promise.all(second)).resolves.toEqual([2, 3]);
  });

  it('never puts more than the largest group in one write', async () => {
    const sizes: number[] = [];
    const commit = new GroupCommit<number, number>(
      async (items) => {
        sizes.push(items.length);
        await new Promise((r) => setImmediate(r));
        return items;
      },
      1,
      3,
    );
    await Promise.all(Array.from({ length: 8 }, (_, i) => commit.submit(i)));
    expect(sizes).toEqual([1, 3, 3, 1]);
  });
});
