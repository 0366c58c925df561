/**
 * Runs up to `concurrency` async iterables at once and yields their values as
 * they arrive. Each source is pulled again only after its previous value was
 * taken, so at most `concurrency` values wait at any time: backpressure holds.
 * Sources start in the given order; a failure of any one ends the whole merge
 * and closes the others.
 */
export async function* mergeLimited<T>(sources: ReadonlyArray<() => AsyncIterable<T>>, concurrency: number): AsyncGenerator<T> {
  type Pending = Promise<{ iterator: AsyncIterator<T>; result: IteratorResult<T> }>;
  const active = new Map<AsyncIterator<T>, Pending>();
  let nextSource = 0;
  const pull = (iterator: AsyncIterator<T>) => {
    active.set(iterator, iterator.next().then((result) => ({ iterator, result })));
  };
  const startMore = () => {
    while (active.size < Math.max(1, concurrency) && nextSource < sources.length) {
      const source = sources[nextSource++];
      if (source) pull(source()[Symbol.asyncIterator]());
    }
  };
  try {
    startMore();
    while (active.size > 0) {
      const { iterator, result } = await Promise.race(active.values());
      if (result.done) {
        active.delete(iterator);
        startMore();
      } else {
        yield result.value;
        pull(iterator);
      }
    }
  } finally {
    const closing = [...active.keys()].map((iterator) => Promise.resolve(iterator.return?.()).catch(() => undefined));
    // Pending next() calls settle on their own; swallow their late rejections.
    for (const pending of active.values()) pending.catch(() => undefined);
    await Promise.all(closing);
  }
}
