import { Injectable } from '@nestjs/common';
import { createInterface, Interface } from 'node:readline';
import { Writable } from 'node:stream';

/** The user gave no answer (end of input, or Ctrl-C / Ctrl-D at a terminal). */
export class PromptAbortedError extends Error {
  constructor() {
    super('Aborted: no answer given.');
    this.name = 'PromptAbortedError';
  }
}

/**
 * Asks questions on standard error and reads answers from standard input. At a terminal a secret is not
 * echoed; when input is piped, answers are read one line each, so scripts can feed them.
 */
@Injectable()
export class Prompt {
  private muted = false;
  private lines: AsyncIterator<string> | undefined;
  private reader: Interface | undefined;

  async ask(question: string, options: { secret?: boolean } = {}): Promise<string> {
    process.stderr.write(question);
    const lines = this.open();
    this.muted = Boolean(options.secret) && Boolean(process.stdin.isTTY);
    try {
      const next = await lines.next();
      if (next.done) throw new PromptAbortedError();
      return next.value;
    } finally {
      if (this.muted) process.stderr.write('\n');
      this.muted = false;
    }
  }

  /** A new password, asked twice (hidden at a terminal) until both answers match. */
  async askNewPassword(): Promise<string> {
    for (;;) {
      const password = await this.ask('Password: ', { secret: true });
      const again = await this.ask('Repeat for confirmation: ', { secret: true });
      if (password === again) return password;
      process.stderr.write('Error: The two entered values do not match.\n');
    }
  }

  close(): void {
    this.reader?.close();
    this.reader = undefined;
    this.lines = undefined;
  }

  private open(): AsyncIterator<string> {
    if (!this.reader || !this.lines) {
      // Echo goes through this stream, which swallows what is typed while a secret is asked.
      const echo = new Writable({
        write: (chunk: Buffer, _encoding, done) => {
          if (!this.muted) process.stderr.write(chunk);
          done();
        },
      });
      this.reader = createInterface({ input: process.stdin, output: echo, terminal: Boolean(process.stdin.isTTY) });
      this.lines = this.reader[Symbol.asyncIterator]();
    }
    return this.lines;
  }
}
