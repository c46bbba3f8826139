/**
 * Which modules kmodd may touch: allow and deny lists of module-name patterns, checked before anything reaches the kernel.
 */
package io.kmodd.policy;
