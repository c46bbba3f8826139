package io.kmodd.params;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kmodd.kernel.ModuleName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jboss.logging.Logger;

/**
 * The parameters kmodd loaded each module with, per load of the module (its {@code instance}), kept in a
 * small JSON file so that they outlive a restart: the kernel does not show every parameter in sysfs, and
 * these are how a later load or a reload knows the values in force. A record counts only while the same
 * load of the module is live (same boot, same sysfs node); one for an earlier load is ignored. Written whole to a temporary file and
 * renamed, so a crash leaves the old or the new file, never half of one. Thread-safe.
 */
public final class LoadedWith {
    private static final Logger LOG = Logger.getLogger(LoadedWith.class);

    /** What kmodd loaded one module with, and which load that was. */
    public record Entry(String instance, Map<String, String> params) {
        public Entry {
            params = Map.copyOf(params);
        }
    }

    private final Path file;
    private final ObjectMapper json;
    private final Map<String, Entry> entries = new TreeMap<>();

    private LoadedWith(Path file, ObjectMapper json) {
        this.file = file;
        this.json = json;
    }

    /** Kept in memory only: a restart forgets it. */
    public static LoadedWith inMemory() {
        return new LoadedWith(null, null);
    }

    /** Kept in {@code file}, read back now; an unreadable file is logged and started afresh. */
    public static LoadedWith at(Path file, ObjectMapper json) {
        LoadedWith store = new LoadedWith(file, json);
        if (Files.exists(file)) {
            try {
                store.entries.putAll(json.readValue(file.toFile(), new TypeReference<Map<String, Entry>>() {
                }));
            } catch (IOException | RuntimeException e) {
                LOG.warnf("cannot read %s (%s); the parameters of modules loaded before this start are not known",
                        file, e.getMessage());
            }
        }
        return store;
    }

    /** The parameters kmodd loaded {@code instance} of the module with, if it did. */
    public synchronized Optional<Map<String, String>> of(ModuleName module, String instance) {
        return Optional.ofNullable(entries.get(module.value())).filter(e -> e.instance().equals(instance)).map(Entry::params);
    }

    public synchronized void loaded(ModuleName module, String instance, Map<String, String> params) {
        entries.put(module.value(), new Entry(instance, params));
        save();
    }

    public synchronized void removed(ModuleName module) {
        if (entries.remove(module.value()) != null) {
            save();
        }
    }

    private void save() {
        if (file == null) {
            return;
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            json.writeValue(tmp.toFile(), entries);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            // The kernel state is what matters; a lost record only makes a later check say "cannot confirm".
            // The record on disk stays the last whole one; a half-written copy (a full disk) is not left beside it.
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // Nothing more can be done about a file that cannot be removed either.
            }
            LOG.warnf("cannot write %s (%s); this start still knows the parameters, a restart will not", file, e.getMessage());
        }
    }
}
