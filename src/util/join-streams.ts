import { pipeline, type Duplex, type Readable } from 'node:stream';

/**
 * `source` through `stages`, as one stream to read: the last stage. `pipe()` is not enough:
 * it forwards no errors, so a source that fails before anything reads it (a connection reset
 * right after the headers) emits an 'error' nobody listens to, which ends the process, and a
 * reader that stops early leaves the source open. Joined by `pipeline`, every stage is listened
 * to from the start, a failure anywhere destroys every stage, the last one with that error (so
 * the reader's `for await` throws it, however late it starts), and destroying the last stage
 * destroys the source.
 */
export function joinStreams<Last extends Duplex>(source: Readable, ...stages: [...Duplex[], Last]): Last {
  // The error already reaches the reader through the last stage: nothing is left to report here.
  return pipeline([source, ...stages], () => undefined) as unknown as Last;
}
