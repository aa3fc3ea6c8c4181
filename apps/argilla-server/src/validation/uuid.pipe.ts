import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { ValidationError } from '@argilla/common';

const UUID = /^(?:urn:uuid:)?\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?$/i;

/** The canonical lowercase form of a UUID written in any of the forms Python's `uuid.UUID` reads; undefined if none. */
function canonicalUuid(value: string | undefined): string | undefined {
  const match = UUID.exec(value ?? '');
  return match ? match.slice(1).join('-').toLowerCase() : undefined;
}

const notUuid = (name: string) => ({ loc: ['path', name], msg: 'value is not a valid uuid', type: 'type_error.uuid' });

/** A path id must be a UUID (422 otherwise, located at `["path", <name>]`); returned in canonical lowercase form. */
@Injectable()
export class UuidPipe implements PipeTransform<string, string> {
  transform(value: string, metadata: ArgumentMetadata): string {
    const id = canonicalUuid(value);
    if (id === undefined) throw new ValidationError([notUuid(metadata.data ?? 'id')]);
    return id;
  }
}

/**
 * Several path ids of one route (`@Param(new UuidParamsPipe('workspace_id', 'user_id'))`): each that is not a UUID is
 * reported, in the path's order, in one 422, as FastAPI reports every invalid parameter at once.
 */
export class UuidParamsPipe<Name extends string> implements PipeTransform<
  Record<string, string>,
  Record<Name, string>
> {
  private readonly names: Name[];

  constructor(...names: Name[]) {
    this.names = names;
  }

  transform(params: Record<string, string>): Record<Name, string> {
    const ids = {} as Record<Name, string>;
    const errors = [];
    for (const name of this.names) {
      const id = canonicalUuid(params[name]);
      if (id === undefined) errors.push(notUuid(name));
      else ids[name] = id;
    }
    if (errors.length > 0) throw new ValidationError(errors);
    return ids;
  }
}
