package io.kmodd.api;

import java.util.Map;

/**
 * The optional body of a load or reload as the OpenAPI document shows it: module parameters as key/value pairs.
 * The resource reads the body strictly through {@link JsonBodies}, not by binding it to this record.
 */
public record LoadRequest(Map<String, String> params) {
}
