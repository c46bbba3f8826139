/**
 * Text kmodd prints and parses: durations (500ms, 30s, 2m) and client-supplied strings made safe to print. Imports nothing of kmodd's.
 */
package io.kmodd.text;
