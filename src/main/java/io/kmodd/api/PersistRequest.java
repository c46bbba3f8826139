package io.kmodd.api;

import java.util.Map;

/**
 * The body of PUT /modules/{name}/persistence, as the OpenAPI document shows it (the resource parses it
 * strictly itself).
 *
 * @param load list the module in the modules-load.d drop-in
 * @param params its options line in the modprobe.d drop-in; empty or absent removes it
 */
public record PersistRequest(boolean load, Map<String, String> params) {
}
