/**
 * The gateway's settings, read once from the environment and system properties and validated (AppConfig,
 * Settings); a bad setting stops the start with a message naming it.
 */
package io.tollgate.api.config;
