package io.kmodd.api;

import java.util.Map;

/** The optional body of a load: module parameters as key/value pairs. */
public record LoadRequest(Map<String, String> params) {
}
