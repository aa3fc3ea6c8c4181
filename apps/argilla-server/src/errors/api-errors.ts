/** The body of every API error, as Argilla writes it: `{"detail": {"code": "argilla.api.errors::<Name>", "params": {...}}}`. */
export interface ErrorEnvelope {
  detail: { code: string; params: Record<string, unknown> };
}

export function envelope(name: string, params: Record<string, unknown>): ErrorEnvelope {
  return { detail: { code: `argilla.api.errors::${name}`, params } };
}
