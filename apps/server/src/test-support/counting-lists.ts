import type { MutatorTx } from '@mango/domain';

/** `tx`, counting the lists that reach it (to see which a push's overlay answered itself). */
export function countingLists(tx: MutatorTx): { tx: MutatorTx; lists: () => number } {
  let lists = 0;
  return {
    tx: {
      ...tx,
      list: (...args: Parameters<MutatorTx['list']>) => {
        lists++;
        return tx.list(...args);
      },
    } as MutatorTx,
    lists: () => lists,
  };
}
