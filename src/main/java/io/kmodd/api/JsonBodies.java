package io.kmodd.api;

import io.kmodd.text.Untrusted;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Strict request bodies, parsed here rather than by the framework so that every malformed one gets the
 * same problem answer: one JSON object, only the named fields, nothing after it.
 */
final class JsonBodies {
    private JsonBodies() {
    }

    static JsonNode object(ObjectMapper json, String body, Set<String> fields, String form) {
        JsonNode root;
        try {
            root = json.readerFor(JsonNode.class).with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readValue(body);
        } catch (JsonProcessingException e) {
            throw invalid(form + ": " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw invalid(form);
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext();) {
            String f = it.next();
            if (!fields.contains(f)) {
                throw invalid("unknown field '" + Untrusted.printable(f) + "'; " + form);
            }
        }
        return root;
    }

    /** An object of string values (module parameters); null or absent is empty. */
    static Map<String, String> strings(JsonNode node, String field, String form) {
        Map<String, String> out = new LinkedHashMap<>();
        if (node == null || node.isNull() || node.isMissingNode()) {
            return out;
        }
        if (!node.isObject()) {
            throw invalid("\"" + field + "\" must be an object of strings; " + form);
        }
        for (Iterator<Map.Entry<String, JsonNode>> p = node.fields(); p.hasNext();) {
            Map.Entry<String, JsonNode> e = p.next();
            if (!e.getValue().isTextual()) {
                throw new ProblemException(Problem.of("invalid-parameter", "Invalid module parameter", 400,
                        "the value of '" + Untrusted.printable(e.getKey()) + "' must be a JSON string (write \"1\", not 1)")
                        .withParameter(Untrusted.printable(e.getKey())));
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return out;
    }

    static ProblemException invalid(String detail) {
        return new ProblemException(Problem.of("invalid-body", "Invalid request body", 400, detail));
    }
}
