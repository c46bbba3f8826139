/**
 * The REST resources, their OpenAPI description, and problem+json for every refusal.
 */
package io.kmodd.api;
