import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

/** The URL of the server that the e2e global setup started. */
export function baseUrl(): string {
  return inject('baseUrl');
}
