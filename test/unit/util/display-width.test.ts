import { describe, expect, it } from 'vitest';
import { displayWidth, fitToWidth } from '../../../src/util/display-width.js';

describe('displayWidth', () => {
  it.each([
    ['', 0],
    ['recipes', 7],
    ['crème brûlée', 12],
    ['cre\u0300me', 5], // e + combining grave: one cell
    ['レシピ', 6],
    ['食谱.recipes', 12],
    ['🍰', 2],
    ['👩‍🍳', 2], // woman + ZWJ + cooking: one glyph
    ['🇫🇷', 2],
  ])('%j is %d columns wide', (text, width) => {
    expect(displayWidth(text)).toBe(width);
  });
});

describe('fitToWidth', () => {
  it('leaves a line that fits alone, even one exactly as wide as the terminal', () => {
    expect(fitToWidth('  app.recipes: 10 docs', 40)).toBe('  app.recipes: 10 docs');
    expect(fitToWidth('abcde', 5)).toBe('abcde');
  });

  it('cuts a longer line to the width, ending in an ellipsis', () => {
    expect(fitToWidth('abcdefghij', 6)).toBe('abcde…');
    expect(displayWidth(fitToWidth('abcdefghij', 6))).toBe(6);
  });

  it('counts wide characters as two columns and never splits one', () => {
    expect(fitToWidth('レシピの一覧', 6)).toBe('レシ…');
    expect(fitToWidth('レシピの一覧', 7)).toBe('レシピ…');
    expect(fitToWidth('a👩‍🍳b👩‍🍳c', 5)).toBe('a👩‍🍳b…');
    expect(fitToWidth('crème brûlée', 6)).toBe('crème…');
  });

  it('gives nothing to a terminal with no columns', () => {
    expect(fitToWidth('abc', 0)).toBe('');
    expect(fitToWidth('abc', 1)).toBe('…');
  });
});
