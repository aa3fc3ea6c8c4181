import type { INestApplication } from '@nestjs/common';
import { buildOpenApiDocument } from './swagger';

/** Objects with their keys sorted, recursively; arrays keep their order. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** The committed `openapi.json`: the running server's document, keys sorted, two-space indented. */
export function serializeOpenApi(document: unknown): string {
  return JSON.stringify(sortKeys(document), null, 2) + '\n';
}

export function openApiText(app: INestApplication): string {
  return serializeOpenApi(buildOpenApiDocument(app));
}
