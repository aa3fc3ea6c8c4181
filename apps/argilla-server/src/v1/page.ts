import type { PageQuery } from '@argilla/users';

/** A v1 list answer: one page of the items, and how many there are in all. */
export interface Page<T> {
  items: T[];
  total: number;
}

/** Pages a list already read whole (lists kept in their own order, e.g. membership order). */
export function pageOf<T>(all: T[], page: PageQuery): Page<T> {
  return { items: all.slice(page.offset, page.offset + page.limit), total: all.length };
}
