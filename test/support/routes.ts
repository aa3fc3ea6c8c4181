import type { NestExpressApplication } from '@nestjs/platform-express';

interface ExpressRouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** Every `METHOD /path/:pattern` the running app serves, read from Express's router (Swagger UI's own excepted). */
export function registeredRoutes(app: NestExpressApplication): string[] {
  const express = app.getHttpAdapter().getInstance() as { router: { stack: ExpressRouteLayer[] } };
  return express.router.stack
    .flatMap((layer) =>
      layer.route
        ? Object.keys(layer.route.methods).map((method) => `${method.toUpperCase()} ${layer.route!.path}`)
        : [],
    )
    .filter((route) => !/^\S+ \/api\/docs(\/|$)/.test(route));
}
