/**
 * Domain errors: services throw these, the API's exception filter turns each into Argilla's envelope, and the
 * CLI prints its message. Nothing else decides an error's status.
 */
export abstract class DomainError extends Error {
  abstract readonly status: number;
  /** The `<Name>` of `argilla.api.errors::<Name>`. */
  abstract readonly code: string;
  abstract readonly params: Record<string, unknown>;
  /** Response headers that go with the answer (e.g. `Retry-After`). */
  get headers(): Record<string, string> {
    return {};
  }
}

export type EntityType = 'User' | 'Workspace' | 'PersonalAccessToken' | 'UserSession';

export class EntityNotFoundError extends DomainError {
  readonly status = 404;
  readonly code = 'EntityNotFoundError';
  constructor(
    readonly entityName: string,
    readonly entityType: EntityType,
  ) {
    super(`${entityType} with id \`${entityName}\` not found`);
    this.name = 'EntityNotFoundError';
  }
  get params(): Record<string, unknown> {
    return { name: this.entityName, type: this.entityType };
  }
}

export class EntityAlreadyExistsError extends DomainError {
  readonly status = 409;
  readonly code = 'EntityAlreadyExistsError';
  constructor(
    readonly entityName: string,
    readonly entityType: EntityType,
    /** Which field collided, for messages: `username`, `api_key`, `name` or `membership`. */
    readonly field: string = 'name',
  ) {
    super(`${entityType} with ${field} '${entityName}' already exists`);
    this.name = 'EntityAlreadyExistsError';
  }
  get params(): Record<string, unknown> {
    return { name: this.entityName, type: this.entityType };
  }
}

export class ForbiddenOperationError extends DomainError {
  readonly status = 403;
  readonly code = 'ForbiddenOperationError';
  readonly params = { detail: 'Operation not allowed' };
  constructor() {
    super('Operation not allowed');
    this.name = 'ForbiddenOperationError';
  }
}

export class UnauthorizedError extends DomainError {
  readonly status = 401;
  readonly code = 'UnauthorizedError';
  readonly params = { detail: 'Could not validate credentials' };
  constructor() {
    super('Could not validate credentials');
    this.name = 'UnauthorizedError';
  }
}

/** One failing field, worded as Argilla (pydantic) words it. */
export interface FieldError {
  loc: (string | number)[];
  msg: string;
  type: string;
  ctx?: Record<string, unknown>;
}

export class ValidationError extends DomainError {
  readonly status = 422;
  readonly code = 'ValidationError';
  constructor(readonly errors: FieldError[]) {
    super(errors.map((error) => `${error.loc.slice(1).join('.') || error.loc[0]}: ${error.msg}`).join('; '));
    this.name = 'ValidationError';
  }
  get params(): Record<string, unknown> {
    return { model: 'Request', errors: this.errors };
  }
}

/** A change that would leave the server without an admin: refused with 409. */
export class LastAdminError extends DomainError {
  readonly status = 409;
  readonly code = 'LastAdminError';
  constructor(readonly userId: string) {
    super('The last admin cannot be demoted, disabled or removed: make another user admin first');
    this.name = 'LastAdminError';
  }
  get params(): Record<string, unknown> {
    return { detail: this.message, name: this.userId, type: 'User' };
  }
}

/** An admin disabling itself would lock itself out: refused with 409. */
export class SelfDisableError extends DomainError {
  readonly status = 409;
  readonly code = 'SelfDisableError';
  constructor(readonly userId: string) {
    super('An admin cannot disable itself');
    this.name = 'SelfDisableError';
  }
  get params(): Record<string, unknown> {
    return { detail: this.message, name: this.userId, type: 'User' };
  }
}

/** An error whose only parameter is its message, `{detail}`: the status and code are the subclass's. */
abstract class DetailError extends DomainError {
  constructor(readonly detail: string) {
    super(detail);
    this.name = new.target.name;
  }
  get params(): Record<string, unknown> {
    return { detail: this.detail };
  }
}

/** Something the route names does not exist (single sign-on off, an unknown provider): 404. */
export class NotFoundError extends DetailError {
  readonly status = 404;
  readonly code = 'NotFoundError';
}

/** A request that cannot be honoured as sent (a single sign-on callback without its state): 400. */
export class BadRequestError extends DetailError {
  readonly status = 400;
  readonly code = 'BadRequestError';
}

/** An upstream service (an OpenID provider) did not answer as it should: 502. */
export class BadGatewayError extends DetailError {
  readonly status = 502;
  readonly code = 'BadGatewayError';
}
