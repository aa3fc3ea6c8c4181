import { JsonArrayParts } from './json-array-parts';

const text = (parts: Buffer[]) => Buffer.concat(parts).toString('utf8');

describe('JsonArrayParts', () => {
  it('writes the JSON of the items added, chunk by chunk, in order', () => {
    const builder = new JsonArrayParts();
    builder.add([{ a: 1 }, 'two']);
    builder.add([]);
    builder.add([null, [3], 'é "quoted"']);
    const parts = builder.finish();
    expect(parts).toHaveLength(3);
    expect(JSON.parse(text(parts))).toEqual([{ a: 1 }, 'two', null, [3], 'é "quoted"']);
    expect(text(parts)).toBe(JSON.stringify([{ a: 1 }, 'two', null, [3], 'é "quoted"']));
  });

  it('writes an empty array when nothing was added', () => {
    const builder = new JsonArrayParts();
    builder.add([]);
    expect(text(builder.finish())).toBe('[]');
  });
});
