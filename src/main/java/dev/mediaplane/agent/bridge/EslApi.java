package dev.mediaplane.agent.bridge;

import dev.mediaplane.esl.EslException;

/** The agent's ESL {@code api} call ({@code EslClient::api}): the bridge runs uuid_setvar, uuid_record, uuid_exists, uuid_getvar. */
@FunctionalInterface
public interface EslApi {
    /** Runs one API command and returns FreeSWITCH's reply body ({@code +OK ...}, {@code -ERR ...}, {@code true}). */
    String api(String command) throws EslException;
}
