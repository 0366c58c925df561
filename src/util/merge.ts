/**
 * Runs up to `concurrency` async iterables at once and yields their values as
 * they arrive. Each source is pulled again only after its previous value was
 * taken, so at most `concurrency` values wait at any time: backpressure holds.
 * Sources start in the given order; a failure of any one ends the whole merge
 * and closes the others.
 *
 * Each pull gets exactly one settlement handler, which queues the outcome.
 * Racing the pending pulls instead (Promise.race) leaves a reaction on every
 * pull still waiting, holding the value that won: a source stalled for minutes
 * (a slow first batch of a large collection) would pin every batch the others
 * yield meanwhile.
 */
export async function* mergeLimited<T>(sources: ReadonlyArray<() => AsyncIterable<T>>, concurrency: number): AsyncGenerator<T> {
  type Outcome = { iterator: AsyncIterator<T> } & ({ result: IteratorResult<T> } | { error: unknown });
  const active = new Set<AsyncIterator<T>>();
  const settled: Outcome[] = [];
  let wake: (() => void) | undefined;
  let nextSource = 0;
  const pull = (iterator: AsyncIterator<T>): void => {
    const queue = (outcome: Outcome): void => {
      settled.push(outcome);
      wake?.();
    };
    iterator.next().then(
      (result) => queue({ iterator, result }),
      (error: unknown) => queue({ iterator, error }),
    );
  };
  const startMore = (): void => {
    while (active.size < Math.max(1, concurrency) && nextSource < sources.length) {
      const source = sources[nextSource++];
      if (!source) continue;
      const iterator = source()[Symbol.asyncIterator]();
      active.add(iterator);
      pull(iterator);
    }
  };
  try {
    startMore();
    while (active.size > 0) {
      while (settled.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      const outcome = settled.shift();
      if (outcome === undefined) continue;
      if ('error' in outcome) {
        active.delete(outcome.iterator);
        throw outcome.error;
      }
      if (outcome.result.done === true) {
        active.delete(outcome.iterator);
        startMore();
      } else {
        yield outcome.result.value;
        pull(outcome.iterator);
      }
    }
  } finally {
    // Pulls still pending settle into `settled`, which nobody reads any more: nothing is left unhandled.
    await Promise.all([...active].map((iterator) => Promise.resolve(iterator.return?.()).catch(() => undefined)));
  }
}
