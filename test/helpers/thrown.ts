/** The value `fn` throws; fails the test when it returns. (`toThrow(expect.objectContaining(…))` trips no-unsafe-argument.) */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, but nothing was thrown');
}
