// The server reports the Argilla release whose API it implements, as Argilla's own `/api/_info` does.
export const SERVER_VERSION = '1.8.0';
