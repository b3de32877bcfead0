import { describe, expect, it } from 'vitest';
import { centsToDecimal, csvCell, toCsv } from './csv';

describe('CSV export', () => {
  it('quotes commas, quotes and newlines', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(null)).toBe('');
    expect(csvCell(-12)).toBe('-12');
  });
  it('neutralises spreadsheet formulas in text', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
  });
  it('joins rows with CRLF and a trailing newline', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          [1, 'x'],
          [2, null],
        ],
      ),
    ).toBe('a,b\r\n1,x\r\n2,\r\n');
  });
  it('formats cents as decimals without float drift', () => {
    expect(centsToDecimal(1234)).toBe('12.34');
    expect(centsToDecimal(-5)).toBe('-0.05');
    expect(centsToDecimal(100, 0)).toBe('100');
    expect(centsToDecimal(1, 3)).toBe('0.001');
  });
});
