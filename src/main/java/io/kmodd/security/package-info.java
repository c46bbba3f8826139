/**
 * Bearer tokens and roles through Quarkus security, the token file (or systemd credential), and the audit
 * log of every write, naming the caller, never the token.
 */
package io.kmodd.security;
