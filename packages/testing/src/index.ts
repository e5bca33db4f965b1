export { serverUrls, testRunEnvironment } from './environment.js';
export { connectAsApp, createTenant, uniqueSlug } from './fixtures.js';
