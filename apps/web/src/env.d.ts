/// <reference types="vite/client" />
declare const __APP_RELEASE__: string;
