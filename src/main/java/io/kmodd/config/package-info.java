/**
 * Every setting kmodd reads, as one Quarkus {@code @ConfigMapping} (kmodd.*).
 */
package io.kmodd.config;
