import { describe, expect, it } from 'vitest';
import { inert, word } from './words';

describe('inert', () => {
  it('makes bidi controls visible and leaves everything else as it is', () => {
    expect(inert('invoice\u202Efdp.exe')).toBe('invoice⟨U+202E⟩fdp.exe');
    expect(inert('\u2066a\u2069\u200F')).toBe('⟨U+2066⟩a⟨U+2069⟩⟨U+200F⟩');
    expect(inert('<b>+852 5555 0101</b> 中文 عربي')).toBe('<b>+852 5555 0101</b> 中文 عربي');
  });
});

describe('word', () => {
  it('words a known code and passes an unknown one through', () => {
    expect(word('category', 'phishing')).toBe('Phishing');
    expect(word('kind', 'carrier_pigeon')).toBe('carrier_pigeon');
  });
});
