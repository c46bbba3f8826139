/**
 * kmodd's own modules-load.d and modprobe.d drop-ins: what a boot restores without kmodd, written atomically,
 * changing only the lines of the module asked about.
 */
package io.kmodd.persistence;
