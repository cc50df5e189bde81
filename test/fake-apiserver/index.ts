// Entry point of the fake Kubernetes API server for tests: import from here.

export * from './fake-apiserver.js';
export { waitUntil } from './wait-until.js';
