/**
 * Builds the plain-Java core (kernel port, registry with its journal, lanes, policy, persistence) from the
 * configuration and hands it to CDI. The one place that knows every concrete class.
 */
package io.kmodd.wiring;
