/**
 * kmoddctl, the command-line client: its own jar, over TCP or the Unix socket. Imports nothing of the daemon's.
 */
package io.kmodd.cli;
