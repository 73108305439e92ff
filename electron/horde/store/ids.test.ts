import { describe, expect, it } from 'vitest';
import { newRowId } from './ids';

describe('newRowId', () => {
  it('makes version 7 UUIDs that sort in the order they were made, one millisecond apart', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(newRowId());
      await new Promise((r) => setTimeout(r, 2));
    }
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
  });

  it('never repeats across more ids than its random pool holds', () => {
    const ids = new Set(Array.from({ length: 5000 }, () => newRowId()));
    expect(ids.size).toBe(5000);
  });
});
