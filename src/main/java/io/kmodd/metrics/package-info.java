/**
 * Micrometer meters for kmodd's own work and the scrape-time collector of every module's refcount.
 */
package io.kmodd.metrics;
