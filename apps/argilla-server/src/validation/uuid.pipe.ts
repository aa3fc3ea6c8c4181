import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { ValidationError } from '@argilla/common';

const UUID = /^(?:urn:uuid:)?\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?$/i;

/** A path id must be a UUID (422 otherwise, located at `["path", <name>]`); returned in canonical lowercase form. */
@Injectable()
export class UuidPipe implements PipeTransform<string, string> {
  transform(value: string, metadata: ArgumentMetadata): string {
    const match = UUID.exec(value ?? '');
    if (!match) {
      throw new ValidationError([
        { loc: ['path', metadata.data ?? 'id'], msg: 'value is not a valid uuid', type: 'type_error.uuid' },
      ]);
    }
    return match.slice(1).join('-').toLowerCase();
  }
}
