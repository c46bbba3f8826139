package io.kmodd.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/kubernetes/kmodd.yaml, checked offline (no validator such as kubeconform installs from this
 * project's registries): the fields each object may have, the references between them (selectors,
 * named ports, volumes, the Secret), and the security properties kmodd promises: SYS_MODULE as the only
 * capability, the node's /lib/modules read-only, readiness on /q/health/ready, tokens from a Secret.
 */
class KubernetesManifestsTest {
    private static final Map<String, String> API = Map.of("Namespace", "v1", "DaemonSet", "apps/v1", "Service", "v1",
            "ServiceMonitor", "monitoring.coreos.com/v1");
    private static final Set<String> CONTAINER_FIELDS = Set.of("name", "image", "imagePullPolicy", "command", "args",
            "env", "ports", "readinessProbe", "livenessProbe", "startupProbe", "resources", "securityContext",
            "volumeMounts", "workingDir");
    private static final Set<String> POD_FIELDS = Set.of("nodeSelector", "tolerations", "automountServiceAccountToken",
            "terminationGracePeriodSeconds", "containers", "volumes", "serviceAccountName", "priorityClassName",
            "hostNetwork", "securityContext");
    private static final Map<String, JsonNode> BY_KIND = new java.util.HashMap<>();

    @BeforeAll
    static void read() throws Exception {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        try (var docs = yaml.readerFor(JsonNode.class).readValues(Path.of("deploy/kubernetes/kmodd.yaml").toFile())) {
            while (docs.hasNext()) {
                JsonNode d = (JsonNode) docs.next();
                BY_KIND.put(d.path("kind").asText(), d);
            }
        }
    }

    private static List<String> keys(JsonNode n) {
        List<String> k = new ArrayList<>();
        n.fieldNames().forEachRemaining(k::add);
        return k;
    }

    @Test
    void everyObjectIsWellFormed() {
        assertThat(BY_KIND.keySet()).containsExactlyInAnyOrderElementsOf(API.keySet());
        BY_KIND.forEach((kind, d) -> {
            assertThat(d.path("apiVersion").asText()).as(kind).isEqualTo(API.get(kind));
            assertThat(keys(d)).as(kind).isSubsetOf("apiVersion", "kind", "metadata", "spec");
            assertThat(d.path("metadata").path("name").asText()).as(kind).isEqualTo("kmodd");
            if (!kind.equals("Namespace")) {
                assertThat(d.path("metadata").path("namespace").asText()).as(kind).isEqualTo("kmodd");
            }
        });
        JsonNode pod = BY_KIND.get("DaemonSet").path("spec").path("template").path("spec");
        assertThat(keys(pod)).isSubsetOf(POD_FIELDS);
        for (JsonNode c : pod.path("containers")) {
            assertThat(keys(c)).isSubsetOf(CONTAINER_FIELDS);
            assertThat(c.path("image").asText()).isNotBlank();
            for (JsonNode p : c.path("ports")) {
                assertThat(p.path("containerPort").isInt()).isTrue();
            }
        }
    }

    @Test
    void referencesResolve() {
        JsonNode ds = BY_KIND.get("DaemonSet").path("spec");
        JsonNode labels = ds.path("template").path("metadata").path("labels");
        assertThat(subset(ds.path("selector").path("matchLabels"), labels)).isTrue();
        JsonNode pod = ds.path("template").path("spec");
        JsonNode c = pod.path("containers").get(0);
        Set<String> portNames = new HashSet<>();
        c.path("ports").forEach(p -> portNames.add(p.path("name").asText()));
        assertThat(portNames).contains(c.path("readinessProbe").path("httpGet").path("port").asText(),
                c.path("livenessProbe").path("httpGet").path("port").asText());
        Set<String> volumes = new HashSet<>();
        pod.path("volumes").forEach(v -> volumes.add(v.path("name").asText()));
        c.path("volumeMounts").forEach(m -> assertThat(volumes).contains(m.path("name").asText()));

        JsonNode svc = BY_KIND.get("Service");
        assertThat(subset(svc.path("spec").path("selector"), labels)).isTrue();
        Set<String> svcPorts = new HashSet<>();
        for (JsonNode p : svc.path("spec").path("ports")) {
            assertThat(portNames).contains(p.path("targetPort").asText());
            svcPorts.add(p.path("name").asText());
        }
        JsonNode sm = BY_KIND.get("ServiceMonitor").path("spec");
        assertThat(subset(sm.path("selector").path("matchLabels"), svc.path("metadata").path("labels"))).isTrue();
        JsonNode ep = sm.path("endpoints").get(0);
        assertThat(svcPorts).contains(ep.path("port").asText());
        assertThat(ep.path("path").asText()).isEqualTo("/q/metrics");
        assertThat(ep.path("bearerTokenSecret").path("name").asText()).isEqualTo("kmodd-tokens");
    }

    @Test
    void holdsOnlySysModuleAndReadsTheNodesModulesReadOnly() {
        JsonNode pod = BY_KIND.get("DaemonSet").path("spec").path("template").path("spec");
        JsonNode c = pod.path("containers").get(0);
        JsonNode sc = c.path("securityContext");
        assertThat(sc.path("capabilities").path("add").toString()).isEqualTo("[\"SYS_MODULE\"]");
        assertThat(sc.path("capabilities").path("drop").toString()).isEqualTo("[\"ALL\"]");
        assertThat(sc.path("privileged").asBoolean(true)).isFalse();
        assertThat(sc.path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
        assertThat(sc.path("readOnlyRootFilesystem").asBoolean(false)).isTrue();
        JsonNode modulesMount = find(c.path("volumeMounts"), "mountPath", "/lib/modules");
        assertThat(modulesMount.path("readOnly").asBoolean(false)).isTrue();
        JsonNode modulesVolume = find(pod.path("volumes"), "name", modulesMount.path("name").asText());
        assertThat(modulesVolume.path("hostPath").path("path").asText()).isEqualTo("/lib/modules");
        assertThat(c.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/q/health/ready");
        JsonNode tokens = find(pod.path("volumes"), "name", "tokens");
        assertThat(tokens.path("secret").path("secretName").asText()).isEqualTo("kmodd-tokens");
        // kmodd refuses a token file that group or others can read.
        assertThat(tokens.path("secret").path("defaultMode").asInt() & 0077).isZero();
        assertThat(pod.path("hostNetwork").asBoolean(false)).isFalse();
    }

    private static JsonNode find(JsonNode array, String field, String value) {
        for (JsonNode n : array) {
            if (value.equals(n.path(field).asText())) {
                return n;
            }
        }
        throw new AssertionError("no entry with " + field + "=" + value + " in " + array);
    }

    private static boolean subset(JsonNode small, JsonNode big) {
        if (small.isEmpty()) {
            return false;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = small.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().equals(big.path(e.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
