// The CLI shares the DTO classes of the API, whose OpenAPI decorators only matter to the server. The CLI's build
// replaces @nestjs/swagger with these no-ops, so that a command does not load the whole OpenAPI machinery.
const noop = (): PropertyDecorator & MethodDecorator & ClassDecorator => () => undefined;

export const ApiProperty = noop;
export const ApiPropertyOptional = noop;
