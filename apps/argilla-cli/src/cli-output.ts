import { Injectable } from '@nestjs/common';

/** Where commands print: standard output, one line at a time (tests read it from the process). */
@Injectable()
export class CliOutput {
  line(text: string): void {
    process.stdout.write(text + '\n');
  }

  heading(text: string): void {
    this.line(text);
    this.line('-'.repeat(text.length));
  }

  /** Pretty-printed JSON, for scripts; with `keys`, only those keys of every object, in that order. */
  json(value: unknown, keys?: readonly string[]): void {
    this.line(JSON.stringify(value, keys ? [...keys] : null, 2));
  }

  /** Aligned columns under a header line; the last column is not padded. */
  table(headers: string[], rows: string[][]): void {
    const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column].length)));
    for (const row of [headers, ...rows]) {
      this.line(
        row
          .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column])))
          .join('  ')
          .trimEnd(),
      );
    }
  }
}
