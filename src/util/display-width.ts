/**
 * Width of text as a terminal shows it, in columns: a line that is wider than
 * the terminal wraps, and then redrawing "N lines up" misses the top of it.
 * Counts user-perceived characters (a flag emoji or an accented letter built
 * from several code points is one), wide East Asian characters and emoji as 2.
 */
// Made on first use: building a Segmenter loads ICU's break rules, about 15 ms, and this file loads
// with every command (cli/progress.ts) while only a progress line on a terminal measures text.
let segmenter: Intl.Segmenter | undefined;

function graphemes(text: string): Intl.Segments {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  return segmenter.segment(text);
}

const ELLIPSIS = '…';

export function displayWidth(text: string): number {
  let width = 0;
  for (const { segment } of graphemes(text)) width += graphemeWidth(segment);
  return width;
}

/** `text` when it fits in `columns`, else cut to fit with an ellipsis at the cut. */
export function fitToWidth(text: string, columns: number): string {
  if (displayWidth(text) <= columns) return text;
  if (columns < 1) return '';
  let kept = '';
  let width = 0;
  for (const { segment } of graphemes(text)) {
    const next = graphemeWidth(segment);
    if (width + next > columns - 1) break;
    kept += segment;
    width += next;
  }
  return `${kept}${ELLIPSIS}`;
}

function graphemeWidth(grapheme: string): number {
  const first = grapheme.codePointAt(0) ?? 0;
  // Control characters move the cursor rather than take a cell; we never print them.
  if (first < 0x20 || (first >= 0x7f && first < 0xa0)) return 0;
  if (/^\p{Mark}+$/u.test(grapheme) || /^[\u200b-\u200f\u2060\ufeff]$/u.test(grapheme)) return 0;
  if (/\p{Emoji_Presentation}|\ufe0f/u.test(grapheme) || isWide(first)) return 2;
  return 1;
}

/** East Asian Wide and Fullwidth blocks (Unicode's EastAsianWidth.txt, W and F), as terminals draw them. */
function isWide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0x303e) ||
    (code >= 0x3041 && code <= 0x33ff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0xa000 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x20000 && code <= 0x3fffd)
  );
}
