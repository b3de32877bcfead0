import { z } from 'zod';

/**
 * GET /api/v1/client-config: what the web app learns from the server it was served by at start.
 * `sentry` is null unless the server has SENTRY_DSN: then the app never loads the Sentry SDK.
 */
export const clientConfigSchema = z.strictObject({
  sentry: z
    .strictObject({
      dsn: z.string(),
      release: z.string(),
      environment: z.string(),
      /** Share of errors sent, 0–1. */
      sampleRate: z.number().min(0).max(1),
    })
    .nullable(),
});

export type ClientConfig = z.infer<typeof clientConfigSchema>;
