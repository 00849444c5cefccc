import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyph, glyphTable, textWidth } from './font.ts';

describe('font', () => {
  it('has a well-formed glyph for every printable ASCII character', () => {
    for (let code = 32; code <= 126; code++) {
      const ch = String.fromCharCode(code);
      const src = glyphTable[ch];
      assert.ok(src !== undefined, `missing glyph for ${JSON.stringify(ch)}`);
      const rows = src.split('|');
      assert.ok(rows.length === 7 || rows.length === GLYPH_HEIGHT, `${JSON.stringify(ch)} has ${rows.length} rows`);
      for (const row of rows) assert.match(row, new RegExp(`^[.#]{${GLYPH_WIDTH}}$`), `${JSON.stringify(ch)} row ${JSON.stringify(row)}`);
      if (rows.length === GLYPH_HEIGHT) assert.ok('gjpqy,'.includes(ch), `${JSON.stringify(ch)} uses the descender row`);
    }
    assert.equal(Object.keys(glyphTable).length, 95);
  });

  it('gives distinct characters distinct glyphs', () => {
    const seen = new Map<string, string>();
    for (const [ch, src] of Object.entries(glyphTable)) {
      const twin = seen.get(src);
      assert.equal(twin, undefined, `${JSON.stringify(ch)} and ${JSON.stringify(twin)} look the same`);
      seen.set(src, ch);
    }
  });

  it('decodes rows into bitmasks, leftmost column in the high bit', () => {
    assert.deepEqual([...glyph('1')], [0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110, 0]);
    assert.deepEqual([...glyph('g')].slice(5), [0b01111, 0b00001, 0b01110]);
    assert.deepEqual(glyph('\u00e9'), glyph('?'));
  });

  it('measures text: 6 px per character, minus the trailing gap', () => {
    assert.equal(textWidth(''), 0);
    assert.equal(textWidth('a'), 5);
    assert.equal(textWidth('1e-3'), 23);
  });
});
