import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { paths } from './schema';

export type { components, operations, paths } from './schema';

/** The typed client: `client.GET('/api/v1/users/{user_id}', { params: { path: { user_id } } })` and so on. */
export type ArgillaClient = Client<paths>;

/**
 * A fetch client typed by the committed openapi.json (see ./schema.d.ts): paths, parameters, bodies and each
 * status's answer are checked at compile time. `baseUrl` is the server's root (with ARGILLA_BASE_URL, its prefix);
 * give `headers` for the credentials, e.g. `{ 'X-Argilla-Api-Key': key }`.
 */
export function createArgillaClient(options: ClientOptions): ArgillaClient {
  return createClient<paths>(options);
}
