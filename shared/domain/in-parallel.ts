/**
 * Runs `work` over `list`, at most `limit` at once. On the first failure no new item is
 * started, the ones in flight are awaited, and the first error is thrown: a caller that
 * stops on an error (an import that fails closed) has nothing still writing behind it.
 */
export async function inParallel<T>(
  list: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  await Promise.all(
    Array.from({ length: Math.min(limit, list.length) }, async () => {
      while (failure === undefined && next < list.length) {
        try {
          await work(list[next++] as T);
        } catch (error) {
          failure ??= { error };
        }
      }
    }),
  );
  if (failure !== undefined) throw failure.error;
}
