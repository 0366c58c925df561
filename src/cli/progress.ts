import type { ProgressEvent } from '../core/progress.js';
import { formatBytes, formatDuration } from '../util/bytes.js';
import { fitToWidth } from '../util/display-width.js';

interface NamespaceProgress {
  documents: number;
  expected?: number;
  done: boolean;
}

/**
 * Draws progress on stderr when it is a terminal: per namespace documents,
 * rate and ETA, and bytes stored. Redraws at most 10 times a second; prints
 * nothing at all when stderr is not a TTY (logs and pipes stay clean). Each
 * line is cut to the terminal's width: a wrapped line takes two rows, and the
 * redraw, which moves up one row per line, would leave its top behind.
 */
export function createProgress(stream: Pick<NodeJS.WriteStream, 'isTTY' | 'columns' | 'write'> = process.stderr): { onProgress: (event: ProgressEvent) => void; finish: () => void } {
  if (!stream.isTTY) return { onProgress: () => {}, finish: () => {} };
  const started = Date.now();
  const namespaces = new Map<string, NamespaceProgress>();
  let storedBytes = 0;
  let phase = '';
  let lastDraw = 0;
  let drawnLines = 0;

  const draw = (force = false) => {
    const now = Date.now();
    if (!force && now - lastDraw < 100) return;
    lastDraw = now;
    const seconds = Math.max(0.001, (now - started) / 1000);
    const lines: string[] = [];
    if (phase) lines.push(phase);
    const active = [...namespaces].filter(([, p]) => !p.done).slice(0, 8);
    for (const [name, p] of active) {
      const rate = p.documents / seconds;
      const eta = p.expected && rate > 0 ? ` ETA ${formatDuration(((p.expected - p.documents) / rate) * 1000)}` : '';
      const of = p.expected !== undefined ? `/${p.expected}` : '';
      lines.push(`  ${name}: ${p.documents}${of} docs, ${Math.round(rate)} docs/s${eta}`);
    }
    const done = [...namespaces.values()].filter((p) => p.done).length;
    const total = [...namespaces.values()].reduce((sum, p) => sum + p.documents, 0);
    lines.push(`  ${done}/${namespaces.size} namespaces, ${total} docs, ${formatBytes(storedBytes)} stored, ${formatDuration(now - started)}`);
    const clear = drawnLines > 0 ? `\x1b[${drawnLines}A\x1b[0J` : '';
    // Read at each draw: the terminal may have been resized since the last one.
    const columns = stream.columns;
    const fitted = columns > 0 ? lines.map((line) => fitToWidth(line, columns)) : lines;
    stream.write(`${clear}${fitted.join('\n')}\n`);
    drawnLines = lines.length;
  };

  return {
    onProgress: (event) => {
      switch (event.kind) {
        case 'plan':
          for (const ns of event.namespaces) namespaces.set(ns.namespace, { documents: 0, expected: ns.expectedDocuments, done: false });
          break;
        case 'documents':
          namespaces.set(event.namespace, { documents: event.documents, expected: event.expectedDocuments, done: false });
          break;
        case 'namespace-done':
          namespaces.set(event.namespace, { documents: event.documents, expected: namespaces.get(event.namespace)?.expected, done: true });
          break;
        case 'stored-bytes':
          storedBytes = event.bytes;
          break;
        case 'phase':
          phase = event.phase;
          break;
      }
      draw();
    },
    finish: () => {
      if (drawnLines > 0) stream.write(`\x1b[${drawnLines}A\x1b[0J`);
      drawnLines = 0;
    },
  };
}
