import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { SERVER_VERSION, SETTINGS, Settings } from '@argilla/config';

export const API_KEY_SCHEME = 'X-Argilla-Api-Key';
export const BEARER_SCHEME = 'bearer';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Argilla users')
    .setDescription(
      'Users, workspaces and authentication, compatible with the Argilla 1.8 API.' + signInLinks(app.get(SETTINGS)),
    )
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

/**
 * With single sign-on on, a link to each provider's sign-in: it ends on the callback page, which shows the token
 * to paste into "Authorize" (bearer).
 */
function signInLinks(settings: Settings): string {
  const providers = settings.oauth?.providers ?? [];
  if (providers.length === 0) return '';
  const links = providers.map(
    (provider) => `[${provider.name}](${settings.baseUrl}api/v1/oauth2/providers/${provider.name}/authentication)`,
  );
  return `\n\nSign in through ${links.join(', ')}, then paste the token the page shows into "Authorize" (bearer).`;
}
