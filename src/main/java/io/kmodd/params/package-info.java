/**
 * A live module's parameters against a request's, and kmodd's record of what it loaded each module with
 * (loaded-with.json), so that a later load or reload can tell whether the parameters asked for are in force.
 */
package io.kmodd.params;
