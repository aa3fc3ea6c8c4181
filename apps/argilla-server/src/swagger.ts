import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { SERVER_VERSION } from '@argilla/config';

export const API_KEY_SCHEME = 'X-Argilla-Api-Key';
export const BEARER_SCHEME = 'bearer';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Argilla users')
    .setDescription('Users, workspaces and authentication, compatible with the Argilla 1.8 API.')
    .setVersion(SERVER_VERSION)
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Argilla-Api-Key' }, API_KEY_SCHEME)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER_SCHEME)
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Swagger UI at `<base>api/docs`, the document at `<base>api/docs/spec.json`. */
export function setUpSwagger(app: INestApplication): void {
  SwaggerModule.setup('api/docs', app, () => buildOpenApiDocument(app), {
    useGlobalPrefix: true,
    jsonDocumentUrl: 'api/docs/spec.json',
    yamlDocumentUrl: 'api/docs/spec.yaml',
    swaggerOptions: { persistAuthorization: true },
  });
}
