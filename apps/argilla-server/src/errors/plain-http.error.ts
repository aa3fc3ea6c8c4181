/** An error answered as `{"detail": "<message>"}`, the shape Argilla's v1 routes use for some errors. */
export class PlainHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'PlainHttpError';
  }
}
