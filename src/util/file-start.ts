import { open } from 'node:fs/promises';

/** The first `count` bytes of a file (fewer when it is shorter): enough to tell its format. */
export async function readFileStart(path: string, count: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(count), 0, count, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
