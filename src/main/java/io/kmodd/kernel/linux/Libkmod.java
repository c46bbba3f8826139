package io.kmodd.kernel.linux;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.PointerType;
import com.sun.jna.ptr.PointerByReference;

/**
 * libkmod.so.2, the library behind modprobe, C names kept (see libkmod.h). libkmod is not thread-safe:
 * only {@link ModuleResolver}'s owner thread calls it. Handles are opaque {@link PointerType}s released
 * with their unref functions in try/finally.
 */
interface Libkmod extends Library {
    int KMOD_FILTER_BLACKLIST = 0x1;

    static Libkmod load() {
        return Native.load("kmod", Libkmod.class, java.util.Map.of(Library.OPTION_STRING_ENCODING, "UTF-8"));
    }

    final class Ctx extends PointerType {
    }

    final class Module extends PointerType {
        public Module() {
        }

        public Module(Pointer p) {
            super(p);
        }
    }

    /** kmod_new: NULL dirname means /lib/modules/`uname -r`; NULL config paths mean the defaults. */
    Ctx kmod_new(String dirname, Pointer configPaths);

    Ctx kmod_unref(Ctx ctx);

    /** Loads the indexes into memory so repeated lookups are fast; 0 or a negative errno. */
    int kmod_load_resources(Ctx ctx);

    /** Resolves a name or alias into a list of modules; 0 or a negative errno. The list may be empty. */
    int kmod_module_new_from_lookup(Ctx ctx, String alias, PointerByReference list);

    /** kmod_list iteration: next entry, or NULL at the end. */
    Pointer kmod_list_next(Pointer list, Pointer curr);

    /** The module of a list entry, with a new reference. */
    Module kmod_module_get_module(Pointer entry);

    int kmod_module_unref_list(Pointer list);

    Module kmod_module_unref(Module mod);

    /** The module's hard dependencies from modules.dep, as a new list. */
    Pointer kmod_module_get_dependencies(Module mod);

    String kmod_module_get_name(Module mod);

    /** NULL for a built-in module. */
    String kmod_module_get_path(Module mod);

    String kmod_module_get_options(Module mod);

    String kmod_module_get_install_commands(Module mod);

    int kmod_module_get_softdeps(Module mod, PointerByReference pre, PointerByReference post);

    int kmod_module_apply_filter(Ctx ctx, int filter, Pointer input, PointerByReference output);
}
