import { plainToInstance, Transform } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsString,
  Matches,
  ValidateBy,
  MaxLength,
  MinLength,
  ValidationError as ClassValidatorError,
  validateSync,
} from 'class-validator';
import { FieldError, ValidationError } from './errors';
import { parseIsoTime } from './time';

/** A plain mapping (what YAML and JSON parse an object to): not null, not an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Usernames and workspace names: lowercase letters, digits, `-` and `_`, not starting with `-` or `_`. */
export const NAME_PATTERN = /^(?!-|_)[a-z0-9-_]+$/;
/** Longer names could not be indexed (PostgreSQL's B-tree entries are limited to about 2,700 bytes). */
export const NAME_MAX_LENGTH = 255;

/*
 * Decorators that carry Argilla's (pydantic's) wording of each failure, so the API and the CLI report the same
 * `msg` and `type`. class-validator runs a property's constraints bottom-up and, with `stopAtFirstError`,
 * reports the first that fails: write them in the order to check, last first.
 */
export const Required = (): PropertyDecorator =>
  IsDefined({ message: 'field required', context: { type: 'value_error.missing' } });

export const IsStr = (options: { each?: boolean } = {}): PropertyDecorator => {
  const isString = IsString({ ...options, message: 'str type expected', context: { type: 'type_error.str' } });
  // PostgreSQL cannot store a NUL character in text: refused as input rather than failing in the database.
  const noNul = ValidateBy(
    {
      name: 'noNulCharacter',
      validator: { validate: (value) => typeof value !== 'string' || !value.includes('\u0000') },
    },
    { ...options, message: 'string contains a NUL character', context: { type: 'value_error.str.nul' } },
  );
  return (target, property) => {
    // Registered first, checked first: the type, then the content.
    isString(target, property);
    noNul(target, property);
  };
};

export const IsBool = (): PropertyDecorator =>
  IsBoolean({ message: 'value could not be parsed to a boolean', context: { type: 'type_error.bool' } });

export const IsList = (): PropertyDecorator =>
  IsArray({ message: 'value is not a valid list', context: { type: 'type_error.list' } });

/** `each`: check every item of an array. */
export const IsName = (options: { each?: boolean } = {}): PropertyDecorator =>
  Matches(NAME_PATTERN, {
    ...options,
    // For a list, name the items that fail.
    message: ({ value }: { value: unknown }) => {
      const base = `string does not match regex "${NAME_PATTERN.source}"`;
      if (!Array.isArray(value)) return base;
      const bad = value.filter((item) => typeof item !== 'string' || !NAME_PATTERN.test(item));
      return `${base}: ${bad.map((item) => `'${String(item)}'`).join(', ')}`;
    },
    context: { type: 'value_error.str.regex', ctx: { pattern: NAME_PATTERN.source } },
  });

export const MinChars = (limit: number): PropertyDecorator =>
  MinLength(limit, {
    message: `ensure this value has at least ${limit} characters`,
    context: { type: 'value_error.any_str.min_length', ctx: { limit_value: limit } },
  });

export const MaxChars = (limit: number, options: { each?: boolean } = {}): PropertyDecorator =>
  MaxLength(limit, {
    ...options,
    message: `ensure this value has at most ${limit} characters`,
    context: { type: 'value_error.any_str.max_length', ctx: { limit_value: limit } },
  });

export const OneOf = (values: readonly string[]): PropertyDecorator =>
  IsIn([...values], {
    message: `value is not a valid enumeration member; permitted: ${values.map((v) => `'${v}'`).join(', ')}`,
    context: { type: 'type_error.enum', ctx: { enum_values: [...values] } },
  });

/** A time of ISO_TIME_PATTERN that exists (parseIsoTime): the API's times in bodies and queries. */
export const IsIsoTime = (): PropertyDecorator =>
  ValidateBy(
    {
      name: 'isIsoTime',
      validator: { validate: (value) => typeof value !== 'string' || parseIsoTime(value) !== null },
    },
    { message: 'invalid datetime format', context: { type: 'value_error.datetime' } },
  );

/** Strips surrounding whitespace from strings (other values pass through for the type check). */
export const Trim = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

/** Turns class-validator's errors into Argilla's `errors` entries, located under `where` (`body`, `query`, …). */
export function toFieldErrors(errors: ClassValidatorError[], where: string): FieldError[] {
  const fields: FieldError[] = [];
  const visit = (error: ClassValidatorError, path: (string | number)[]): void => {
    const loc = [...path, error.property];
    const [key] = Object.keys(error.constraints ?? {});
    if (key === 'whitelistValidation') {
      fields.push({ loc, msg: 'extra fields not permitted', type: 'value_error.extra' });
    } else if (key) {
      const context = (error.contexts?.[key] ?? {}) as { type?: string; ctx?: Record<string, unknown> };
      fields.push({
        loc,
        msg: error.constraints![key],
        type: context.type ?? 'value_error',
        ...(context.ctx ? { ctx: context.ctx } : {}),
      });
    }
    for (const child of error.children ?? []) visit(child, loc);
  };
  for (const error of errors) visit(error, [where]);
  return fields;
}

/**
 * Validates a plain object against a DTO class and returns the typed instance (unknown fields dropped).
 * Throws ValidationError, whose message the CLI prints and whose params the API returns.
 */
export function validateInput<T extends object>(
  dto: new () => T,
  input: unknown,
  where = 'body',
  options: { forbidUnknown?: boolean } = {},
): T {
  if (input === null || input === undefined) {
    throw new ValidationError([{ loc: [where], msg: 'field required', type: 'value_error.missing' }]);
  }
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new ValidationError([{ loc: [where], msg: 'value is not a valid dict', type: 'type_error.dict' }]);
  }
  if (nestingDepth(input, MAX_NESTING) > MAX_NESTING) {
    throw new ValidationError([
      { loc: [where], msg: `value is nested more than ${MAX_NESTING} levels deep`, type: 'value_error.nesting' },
    ]);
  }
  const instance = plainToInstance(dto, withoutObjectInternals(input), { exposeDefaultValues: true });
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: options.forbidUnknown ?? false,
    forbidUnknownValues: false,
    stopAtFirstError: true,
  });
  const fields = toFieldErrors(errors, where);
  if (options.forbidUnknown) {
    // Keys class-transformer left out (the ones below, and names of Object's methods such as `toString`) never
    // reach the whitelist check: refused here like any other unknown field.
    for (const key of Object.keys(input).filter((key) => !Object.prototype.hasOwnProperty.call(instance, key))) {
      fields.push({ loc: [where, key], msg: 'extra fields not permitted', type: 'value_error.extra' });
    }
  }
  if (fields.length > 0) throw new ValidationError(fields);
  return instance;
}

/**
 * Keys that class-transformer never copies, and that break it: it builds a nested object with the object's own
 * `constructor` as its class (`{"a": {"constructor": "x"}}` would be a TypeError, a 500), and assigning a
 * `__proto__` key would set the copy's prototype. No DTO has such a field, so they are unknown fields like any other.
 */
const OBJECT_INTERNALS = new Set(['constructor', '__proto__']);

/**
 * A copy of parsed input without `constructor` and `__proto__` keys, at any depth (the depth is bounded by
 * `MAX_NESTING` before this runs). What class-transformer makes of the rest is unchanged.
 */
function withoutObjectInternals(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutObjectInternals);
  if (typeof value !== 'object' || value === null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (!OBJECT_INTERNALS.has(key)) copy[key] = withoutObjectInternals(item);
  }
  return copy;
}

/** No request of this API nests deeper; deeper input would only exhaust the stack of the code that walks it. */
export const MAX_NESTING = 32;

/** How deep a value nests (objects and arrays), counted without recursion and stopping past `limit`. */
export function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > limit) return deepest;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return deepest;
}
