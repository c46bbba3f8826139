/**
 * The HTTP server's own settings kmodd applies: connection timeouts.
 */
package io.kmodd.http;
