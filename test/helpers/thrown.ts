/** The value `fn` throws; fails the test when it returns. (`toThrow(expect.objectContaining(…))` trips no-unsafe-argument.) */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, but nothing was thrown');
}

/** The value `promise` rejects with; fails the test when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}
