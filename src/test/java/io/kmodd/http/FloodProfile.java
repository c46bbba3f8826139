package io.kmodd.http;

import io.kmodd.security.AuthProfile;
import java.util.HashMap;
import java.util.Map;

/** Authentication on, a 1 s head timeout, and failed authentications coalesced per minute. */
public class FloodProfile extends AuthProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> m = new HashMap<>(super.getConfigOverrides());
        m.put("kmodd.http.head-timeout", "1s");
        m.put("kmodd.auth.failed-auth-interval", "60s");
        return m;
    }
}
