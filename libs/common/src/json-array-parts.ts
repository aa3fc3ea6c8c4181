/**
 * A JSON array written a chunk of items at a time and kept as the buffers it was written in: a list of 100,000
 * users is built without holding every item's object at once, and sent without being copied into one buffer.
 */
export class JsonArrayParts {
  private readonly parts: Buffer[] = [];

  /** Appends the items (none: nothing). */
  add(items: readonly unknown[]): void {
    if (items.length === 0) return;
    const json = JSON.stringify(items);
    this.parts.push(Buffer.from(`${this.parts.length === 0 ? '[' : ','}${json.slice(1, -1)}`));
  }

  /** The array's bytes, in order; the builder is not to be used again. */
  finish(): Buffer[] {
    this.parts.push(Buffer.from(this.parts.length === 0 ? '[]' : ']'));
    return this.parts;
  }
}
