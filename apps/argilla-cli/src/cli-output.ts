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
}
