/**
 * sd_notify through libsystemd: READY, STATUS, and the watchdog pings after a self-check.
 */
package io.kmodd.systemd;
