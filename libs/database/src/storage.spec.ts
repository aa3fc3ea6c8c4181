import { fromStoredId, STORED_ID, toStoredId } from './storage';

describe("Argilla's stored ids", () => {
  const id = '8a0964df-400d-4c9d-8417-3d62f6f3c6e0';

  it('stores an id as 32 lowercase hex digits, and shows it with dashes', () => {
    expect(toStoredId(id)).toBe('8a0964df400d4c9d84173d62f6f3c6e0');
    expect(toStoredId(id.toUpperCase())).toBe('8a0964df400d4c9d84173d62f6f3c6e0');
    expect(fromStoredId('8a0964df400d4c9d84173d62f6f3c6e0')).toBe(id);
    // PostgreSQL's uuid comes back with dashes already.
    expect(fromStoredId(id)).toBe(id);
  });

  it('converts through the entities both ways, leaving other values alone', () => {
    expect(STORED_ID.to(id)).toBe('8a0964df400d4c9d84173d62f6f3c6e0');
    expect(STORED_ID.from('8a0964df400d4c9d84173d62f6f3c6e0')).toBe(id);
    expect(STORED_ID.to(undefined)).toBeUndefined();
    expect(STORED_ID.from(null)).toBeNull();
  });
});
