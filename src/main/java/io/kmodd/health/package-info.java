/**
 * Readiness: whether the kernel and kmodd's privileges allow writes, and whether the job journal can be written.
 */
package io.kmodd.health;
