package com.acme.config;

import java.net.HttpURLConnection;
import java.util.Properties;

public final class Secrets {
    static final Properties PROPS = new Properties();
    private static final String REGION = "eu-west-1";
    @Value("${stripe.secret-key}") private String stripeSecretKey;
    static String githubToken = "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";
    private static final int TIMEOUT_SECONDS = 30;
    // TODO: load from Vault
    static String stripeSecretKey = "sk_test_4eC39HqLyjWDarjtT1zdp7dc";
    private final ApiClient client = new ApiClient("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");
    static String authTokenUrl = "https://oauth2.googleapis.com/token";
    private static final String HF_TOKEN = "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";
    static void auth(HttpURLConnection c) { c.setRequestProperty("Circle-Token", "CCIPAT_vV5NGWo4DbS1mN7h15Ue73_86304e83a8a5947264e1778236fe9974aa502d4d"); }
    static String replicateApiToken = "r8_WeFT4rt1DcKNCDsDnT5R18sIRhwzvNLhPpBJG";
}
