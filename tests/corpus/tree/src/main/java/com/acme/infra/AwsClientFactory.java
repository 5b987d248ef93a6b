package com.acme.config;

import java.net.HttpURLConnection;
import java.util.Properties;

public final class Secrets {
    static final Properties PROPS = new Properties();
    static { PROPS.setProperty("request-id", "0e9558c1-530a-493a-9bb8-b64cb580fac2"); }
    private final ApiClient client = new ApiClient("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI4NzEzNzI2MS0yYmU1LTRjMjUtYTA1ZS02MjVmNGMxN2NhNGIiLCJyb2xlIjoic2VydmljZV9yb2xlIiwiaWF0IjoxNzAyNjkwMjc1LCJleHAiOjIwMTgwNTAyNzV9.pGQW0SugYHKhVO6L9BS1HGjHc0FcbLIkjgSSERgCHL8");
    private static final String REGION = "eu-west-1";
    private static final int TIMEOUT_SECONDS = 30;
    private static final String OPENAI_API_KEY = System.getenv("OPENAI_API_KEY");
    static void auth(HttpURLConnection c) { c.setRequestProperty("API-Key", "NRAK-IDUW9WYNVRDHAFZQW1YLYVBD11W"); }
    // TODO: load from Vault
    static { PROPS.setProperty("heroku.api-key", "HRKU-AAzYsuZPJAIbd_S5UmQFxsLiHUyt74ExDUyvvbUQMCu2q7MIASctvu6rLdgZ"); }
    static { PROPS.setProperty("admin-password", "admin"); }
    static void auth(HttpURLConnection c) { c.setRequestProperty("Authorization", "Basic ZGVwbG95OlQ3WmpIb3FSbEJUOWxWZUExQFF2"); }
}
