import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { validateInput, ValidationError } from '@argilla/common';

const PLAIN_TYPES = new Set<unknown>([Object, String, Number, Boolean, Array, undefined]);

/** Validates every body (and query) declared with a DTO class, with the same checks and wording the CLI uses. */
@Injectable()
export class RequestValidationPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'query' && !PLAIN_TYPES.has(metadata.metatype)) {
      return validateInput(metadata.metatype as new () => object, value ?? {}, 'query');
    }
    if (metadata.type !== 'body' || PLAIN_TYPES.has(metadata.metatype)) return value;
    // A DTO may make the whole body optional (`optionalBody`): no body is then read as `{}`.
    if (value === undefined && (metadata.metatype as { optionalBody?: boolean }).optionalBody === true) value = {};
    if (value === undefined) {
      throw new ValidationError([{ loc: ['body'], msg: 'field required', type: 'value_error.missing' }]);
    }
    // A DTO may refuse fields it does not know (updates, where a misspelt field would silently do nothing).
    const forbidUnknown = (metadata.metatype as { forbidUnknownFields?: boolean }).forbidUnknownFields === true;
    return validateInput(metadata.metatype as new () => object, value, 'body', { forbidUnknown });
  }
}
