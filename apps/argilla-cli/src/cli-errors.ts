import { InvalidArgumentError } from 'commander';
import { validateInput, ValidationError } from '@argilla/common';
import { USER_ROLES } from '@argilla/database';
import { pyRepr } from './python-repr';

/** A command used the wrong way (options missing or at odds): exit code 2, like commander's own usage errors. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Raised for input that fails validation: exit code 1 with the rules' own words (the API's). */
export class InvalidParametersError extends Error {
  constructor(detail: string) {
    super(`Provided parameters are not valid: ${detail}`);
    this.name = 'InvalidParametersError';
  }
}

/** A required option is missing (Argilla's CLI does not ask for it): exit code 1, in Click's words, as Argilla's. */
export class MissingOptionError extends Error {
  constructor(flag: string) {
    super(`Missing option ${pyRepr(flag)}.`);
    this.name = 'MissingOptionError';
  }
}

/** Validates input with the API's own rules, as the CLI reports it. */
export function validated<T extends object>(type: new () => T, input: Record<string, unknown>): T {
  try {
    return validateInput(type, input);
  } catch (error) {
    if (error instanceof ValidationError) throw new InvalidParametersError(error.message);
    throw error;
  }
}

/** Checks a `--role` value. nest-commander's parser replaces commander's choice check, so it is done here. */
export function parseRole(value: string): string {
  if (!(USER_ROLES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`Allowed choices are ${USER_ROLES.join(', ')}.`);
  }
  return value;
}
